// Steps the behaviour groups share (not exported from the package).
import {
  type Capabilities,
  type Capability,
  type Entry,
  type KeyValue,
  supports,
} from "@kv/protocol";
import { describe } from "vitest";
import type { SuiteContext } from "./context.ts";

/**
 * Writes `entries` with one `putMany` to `collection` (a fresh one of the test unless named) and
 * waits until they are visible; returns the collection.
 */
export async function seededCollection(
  t: SuiteContext,
  entries: readonly Entry[],
  collection: string = t.collection(),
): Promise<string> {
  await t.store.putMany(entries, { collection });
  await t.settle();
  return collection;
}

/**
 * Registers `describe(title, body)` when the probe store offers `capability`, and nothing
 * otherwise; `body` receives the running test's store typed as one that offers it.
 */
export function describeOffered<C extends Capability>(
  t: SuiteContext,
  probe: KeyValue,
  capability: C,
  title: string,
  body: (store: () => KeyValue & Capabilities[C]) => void,
): void {
  if (!supports(probe, capability)) return;
  describe(title, () => body(() => t.store as KeyValue & Capabilities[C]));
}

import type { KeyValue } from "@kv/protocol";
import { type OpenedStore, openArgument } from "./open-store.ts";

/** Opens the stores the arguments name, runs `work` with them, and closes them all afterwards. */
export async function withStores<T>(
  names: readonly string[],
  work: (...stores: KeyValue[]) => Promise<T>,
): Promise<T> {
  const opened: OpenedStore[] = [];
  try {
    for (const name of names) opened.push(await openArgument(name));
    return await work(...opened.map((each) => each.store));
  } finally {
    await Promise.allSettled(opened.map((each) => each.close()));
  }
}

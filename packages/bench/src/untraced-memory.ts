import { MemoryStore } from "@kv/memory";
// The protocol's internal tracing module (same module instance: the bench runs on the sources).
import { capabilityTracedMethods, dataMethods, untraced } from "../../protocol/src/tracing.ts";

type Method = (...args: unknown[]) => Promise<unknown>;

/** The bench subject of an `UntracedMemoryStore`. */
export const UNTRACED_MEMORY = "@kv/memory without the tracing-channel hook";

/**
 * `MemoryStore` with every method reached without the protocol's `node:diagnostics_channel`
 * hook: what `@kv/memory` costs next to it, with nobody subscribed, is what the hook costs.
 */
export class UntracedMemoryStore extends MemoryStore {}

const prototype = UntracedMemoryStore.prototype as unknown as Record<string, Method>;
for (const { name } of [...dataMethods, ...capabilityTracedMethods]) {
  const method = prototype[name];
  if (typeof method === "function") prototype[name] = untraced(method);
}

import { MemoryStore } from "@kv/memory";

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * Where `@kv/protocol` keeps a traced method's original (a registered symbol, so it is found in
 * the built package the bench imports).
 */
const UNTRACED_METHOD = Symbol.for("@kv/protocol:untraced-method");

/** The bench subject of an `UntracedMemoryStore`. */
export const UNTRACED_MEMORY = "@kv/memory without the tracing-channel hook";

/**
 * `MemoryStore` with every method reached without the protocol's `node:diagnostics_channel`
 * hook: what `@kv/memory` costs next to it, with nobody subscribed, is what the hook costs.
 */
export class UntracedMemoryStore extends MemoryStore {}

/** The methods an instance of the class reaches through the tracing hook, each with its original. */
function tracedMethods(prototype: object): Map<string, Method> {
  const found = new Map<string, Method>();
  const seen = new Set<string>();
  for (let level = prototype; level !== Object.prototype; level = Object.getPrototypeOf(level)) {
    for (const name of Object.getOwnPropertyNames(level)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const method = Object.getOwnPropertyDescriptor(level, name)?.value as
        | { [UNTRACED_METHOD]?: Method }
        | undefined;
      const original = method?.[UNTRACED_METHOD];
      if (original !== undefined) found.set(name, original);
    }
  }
  return found;
}

const untracedMethods = tracedMethods(UntracedMemoryStore.prototype);
if (untracedMethods.size === 0) {
  throw new Error("No traced method found on MemoryStore: is @kv/protocol older than the bench?");
}
for (const [name, original] of untracedMethods) {
  Object.defineProperty(UntracedMemoryStore.prototype, name, {
    value: original,
    writable: true,
    configurable: true,
  });
}

import {
  BaseWrapper,
  type Capability,
  type CapabilityMethod,
  capabilityMethods,
  capabilityNames,
  type KeyValue,
  type Operation,
  supports,
} from "@kv/protocol";
import { expect } from "vitest";

/** Every item of an async iterable (nothing for `undefined`), in the order it yields them. */
export async function collect<T>(source: AsyncIterable<T> | undefined): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source ?? []) items.push(item);
  return items;
}

/** A copy of the names in sort order, to compare listings whose order is unspecified. */
export function sorted(names: readonly string[] | undefined): string[] | undefined {
  return names === undefined ? undefined : [...names].sort();
}

/**
 * The same store with the methods of the named capabilities hidden (set to `undefined` on the
 * instance), so that code under test sees a store that does not offer them.
 */
export function withoutCapabilities(store: KeyValue, ...capabilities: Capability[]): KeyValue {
  for (const capability of capabilities) {
    for (const { name } of capabilityMethods[capability]) {
      Object.defineProperty(store, name, { value: undefined });
    }
  }
  return store;
}

/**
 * The same store given, on the instance, every capability method of the protocol's table it
 * lacks (each doing nothing), so that code under test sees a store that offers everything.
 */
export function withEveryCapability(store: KeyValue): KeyValue {
  const methods = store as unknown as Record<string, unknown>;
  for (const capability of capabilityNames) {
    for (const { name, iterates } of capabilityMethods[capability]) {
      if (typeof methods[name] === "function") continue;
      methods[name] = iterates ? () => collect(undefined) : async () => undefined;
    }
  }
  return store;
}

/**
 * Calls one capability method with plausible arguments (key `"k"`, value `{ n: 1 }`, version
 * `"v"`, collection `"c"`) and settles it: `"passed"` when it succeeded, otherwise the error,
 * so a test can check how a wrapper classifies every method of the protocol's table.
 */
export async function callCapability(store: KeyValue, method: CapabilityMethod): Promise<unknown> {
  const args: unknown[] = [];
  const last = Math.max(method.optionsAt ?? 0, method.collectionAt ?? 0, method.keyAt ?? 0);
  for (let index = 0; index <= last; index++) args.push("v");
  if (method.keyAt === undefined && method.collectionAt === undefined) args[0] = [];
  if (method.keyAt !== undefined) args[method.keyAt] = "k";
  if (method.valueAt !== undefined) args[method.valueAt] = { n: 1 };
  if (method.collectionAt !== undefined) args[method.collectionAt] = "c";
  if (method.optionsAt !== undefined) args[method.optionsAt] = { collection: "c" };
  const run = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[method.name];
  const result = run?.(...args);
  return Promise.resolve(method.iterates ? collect(result as AsyncIterable<string>) : result).then(
    () => "passed",
    (error: unknown) => error,
  );
}

/** A pass-through wrapper that records every operation reaching the store below it. */
export class OperationRecorder extends BaseWrapper {
  /** The operations passed through, in order. */
  readonly reached: Operation[] = [];
  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    this.reached.push(operation);
    return call(this.store);
  }
}

/**
 * Writes a distinct value under every key in every collection, then expects each collection to
 * read back its own values and, when the store enumerates keys, to list exactly those keys: the
 * check that a wrapper's name encoding keeps hostile collection and key names apart.
 */
export async function expectNamesApart(
  store: KeyValue,
  collections: readonly string[],
  keys: readonly string[],
): Promise<void> {
  for (const [c, collection] of collections.entries()) {
    await store.putMany(
      keys.map((key, k) => [key, { c, k }]),
      { collection },
    );
  }
  for (const [c, collection] of collections.entries()) {
    expect(await store.getMany(keys, { collection })).toEqual(keys.map((_, k) => ({ c, k })));
    if (supports(store, "keys")) {
      expect(sorted(await store.keys({ collection }))).toEqual(sorted([...new Set(keys)]));
    }
  }
}

import { type Capability, capabilityMethods, type KeyValue, supports } from "@kv/protocol";
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

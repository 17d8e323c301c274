import { type Capability, capabilityMethods, type KeyValue } from "@kv/protocol";

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

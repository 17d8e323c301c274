import type { KeyValue } from "@kv/protocol";

/** One store taking every item, or each store with the positions of the items it takes. */
export type Split = KeyValue | Map<KeyValue, number[]>;

/** Groups the positions of `keys` by the store `storeOf` picks; one store when it picks one. */
export function splitBy(
  keys: readonly string[],
  storeOf: (key: string) => KeyValue,
  empty: KeyValue,
): Split {
  const groups = new Map<KeyValue, number[]>();
  keys.forEach((key, position) => {
    const store = storeOf(key);
    const group = groups.get(store);
    if (group === undefined) groups.set(store, [position]);
    else group.push(position);
  });
  return groups.size > 1 ? groups : (groups.keys().next().value ?? empty);
}

/** Runs `call` once per store with its share of `items`, concurrently; one result per store. */
export function scatter<T, R>(
  split: Split,
  items: readonly T[],
  call: (store: KeyValue, items: readonly T[]) => Promise<R>,
): Promise<R[]> {
  if (!(split instanceof Map)) return call(split, items).then((result) => [result]);
  return Promise.all(
    Array.from(split, ([store, positions]) =>
      call(
        store,
        positions.map((at) => items[at] as T),
      ),
    ),
  );
}

/** A bulk read run once per store, its answers put back in the order of `keys`. */
export async function gather<R>(
  split: Split,
  keys: readonly string[],
  call: (store: KeyValue, keys: readonly string[]) => Promise<R[]>,
): Promise<R[]> {
  if (!(split instanceof Map)) return call(split, keys);
  const results = new Array<R>(keys.length);
  await scatter(split, keys, async (store, part) => {
    const answers = await call(store, part);
    const positions = split.get(store) ?? [];
    for (const [at, position] of positions.entries()) results[position] = answers[at] as R;
  });
  return results;
}

import type { KeyEnumeration } from "./capabilities.ts";
import type { KeyValue } from "./key-value.ts";

/** Groups the items of an async iterable into arrays of up to `size` items, in order. */
export async function* batches<T>(
  source: AsyncIterable<T>,
  size: number,
): AsyncGenerator<T[], void, undefined> {
  let batch: T[] = [];
  for await (const item of source) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Deletes every key the store lists in `collection` with `deleteMany`, `batchSize` keys at a
 * time, so memory stays bounded; returns how many entries were removed.
 */
export async function deleteListedKeys(
  store: KeyValue & KeyEnumeration,
  collection: string,
  batchSize = 1000,
): Promise<number> {
  let deleted = 0;
  for await (const batch of batches(store.iterateKeys({ collection }), batchSize)) {
    deleted += await store.deleteMany(batch, { collection });
  }
  return deleted;
}

import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  type CollectionOptions,
  type KeyEnumeration,
  type KeyValue,
  type PutOptions,
  type Value,
} from "@kv/protocol";
import type { TransferProgress } from "@kv/transfer";

/** A store with no optional capability (a memory store behind the plain `KeyValue` methods). */
export class PlainStore implements KeyValue {
  readonly inner: MemoryStore = new MemoryStore();
  get: KeyValue["get"] = (key, options) => this.inner.get(key, options);
  getMany: KeyValue["getMany"] = (keys, options) => this.inner.getMany(keys, options);
  ttl: KeyValue["ttl"] = (key, options) => this.inner.ttl(key, options);
  ttlMany: KeyValue["ttlMany"] = (keys, options) => this.inner.ttlMany(keys, options);
  put: KeyValue["put"] = (key, value, options) => this.inner.put(key, value, options);
  putMany: KeyValue["putMany"] = (entries, options) => this.inner.putMany(entries, options);
  delete: KeyValue["delete"] = (key, options) => this.inner.delete(key, options);
  deleteMany: KeyValue["deleteMany"] = (keys, options) => this.inner.deleteMany(keys, options);
}

/** A store that enumerates keys but not collections. */
export class KeysOnlyStore extends PlainStore implements KeyEnumeration {
  keys: KeyEnumeration["keys"] = (options) => this.inner.keys(options);
  iterateKeys: KeyEnumeration["iterateKeys"] = (options) => this.inner.iterateKeys(options);
}

/**
 * A store without whole-entry access (a wrapper that overrides a read method does not pass it
 * on), so copies go through `ttlMany` and `putMany`, whose instance methods tests replace.
 */
export class WithoutEntries extends BaseWrapper {
  override get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    return super.get(key, options);
  }
}

/** Two empty memory stores: a transfer's source and its destination. */
export function memoryPair(): { source: MemoryStore; destination: MemoryStore } {
  return { source: new MemoryStore(), destination: new MemoryStore() };
}

/** `count` entries `k0000`, `k0001` ... with `{ n }` as value. */
export function numbered(count: number, from = 0): [string, Value][] {
  return Array.from({ length: count }, (_, index) => {
    const n = from + index;
    return [`k${String(n).padStart(4, "0")}`, { n }];
  });
}

/** Writes `numbered(count)` into a collection of the store. */
export function fill(
  store: KeyValue,
  collection: string,
  count: number,
  options: Omit<PutOptions, "collection"> = {},
): Promise<void> {
  return store.putMany(numbered(count), { ...options, collection });
}

/** Transfer options that abort once `when` holds for a progress report (at once by default). */
export function abortWhen(when: (progress: TransferProgress) => boolean = () => true): {
  signal: AbortSignal;
  onProgress: (progress: TransferProgress) => void;
} {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onProgress: (progress) => {
      if (when(progress)) controller.abort();
    },
  };
}

import {
  type Closable,
  type KeyValue,
  supportsIncrement,
  supportsPutIfAbsent,
  supportsVersions,
} from "@kv/protocol";
import { type AtomicClient, type Client, TTL_SECONDS } from "./types.ts";

/** A benchmark client over any @kv store or wrapper; `close` releases what it holds. */
export function kvClient(store: KeyValue, close: () => Promise<void> = async () => {}): Client {
  const withTtl = { ttl: TTL_SECONDS } as const;
  return {
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    put: (key, value) => store.put(key, value),
    putTtl: (key, value) => store.put(key, value, withTtl),
    putMany: (entries) => store.putMany(entries),
    putManyTtl: (entries) => store.putMany(entries, withTtl),
    close,
    atomic: atomicClient(store),
  };
}

/** A benchmark client over a store the subject opened for itself: `close` closes the store. */
export function ownedKvClient(store: KeyValue & Closable): Client {
  return kvClient(store, () => store.close());
}

/** The store's atomic operations as benchmark calls, when it offers all three. */
function atomicClient(store: KeyValue): AtomicClient | undefined {
  if (!supportsPutIfAbsent(store) || !supportsIncrement(store) || !supportsVersions(store)) {
    return undefined;
  }
  return {
    putIfAbsent: (key, value) => store.putIfAbsent(key, value),
    increment: (key) => store.increment(key),
    compareAndSet: async (key, value) => {
      const read = await store.getVersioned(key);
      return read !== undefined && store.putIfVersion(key, value, read.version);
    },
    deleteMany: (keys) => store.deleteMany(keys),
  };
}

/**
 * Converts a workload's entry list once into another library's shape and reuses it, so the
 * conversion is not counted against that library. Workloads pass the same array every call.
 */
export function converted<From extends object, To>(
  convert: (from: From) => To,
): (from: From) => To {
  const cache = new WeakMap<From, To>();
  return (from) => {
    let to = cache.get(from);
    if (to === undefined) {
      to = convert(from);
      cache.set(from, to);
    }
    return to;
  };
}

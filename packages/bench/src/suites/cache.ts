import { createCache as createKvCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { BentoCache, type BentoStore, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import { createCache } from "cache-manager";
import Keyv from "keyv";
import { CACHE_WORKLOADS } from "../cache-workloads.ts";
import { kvClient } from "../kv-client.ts";
import { type Client, type Subject, type Suite, TTL_SECONDS } from "../types.ts";
import { cacheManagerClient } from "./memory.ts";

const TTL_MS = TTL_SECONDS * 1000;
/** The name of the @kv/cache subject, which the other caches are also compared to. */
export const KV_CACHE = "@kv/cache";

/**
 * Get-or-compute written by hand on a bare store (`get`; on a miss, the factory and `put` with a
 * TTL), without any stampede protection: on hits it is one `get` of the store, the baseline.
 */
export function cacheAsideClient(store: KeyValue, close?: () => Promise<void>): Client {
  const withTtl = { ttl: TTL_SECONDS } as const;
  return {
    ...kvClient(store, close),
    cache: {
      getOrSet: async (key, factory) => {
        const cached = await store.get(key);
        if (cached !== undefined) return cached;
        const value = await factory();
        await store.put(key, value, withTtl);
        return value;
      },
    },
  };
}

/** `getOrSet` of a @kv/cache over `store`, caching in `collection` with a TTL of `TTL_SECONDS`. */
export function kvCacheClient(
  store: KeyValue,
  collection: string,
  close?: () => Promise<void>,
): Client {
  const cache = createKvCache(store, {
    ttl: TTL_SECONDS,
    collection,
    leaseCollection: `${collection}-leases`,
  });
  return {
    ...kvClient(store, close),
    cache: { getOrSet: (key, factory) => cache.getOrSet(key, factory) },
  };
}

/**
 * The store's eight basic methods alone. A cache over it finds no `putIfAbsent`, so it protects
 * against stampedes within the process only: no lease is taken on a miss.
 */
export function withoutLease(store: KeyValue): KeyValue {
  return {
    get: (key, options) => store.get(key, options),
    getMany: (keys, options) => store.getMany(keys, options),
    ttl: (key, options) => store.ttl(key, options),
    ttlMany: (keys, options) => store.ttlMany(keys, options),
    put: (key, value, options) => store.put(key, value, options),
    putMany: (entries, options) => store.putMany(entries, options),
    delete: (key, options) => store.delete(key, options),
    deleteMany: (keys, options) => store.deleteMany(keys, options),
  };
}

/** cache-manager's `wrap` (and its get and set for the other calls). */
export function cacheManagerWrapClient(cache: ReturnType<typeof createCache>): Client {
  return {
    ...cacheManagerClient(cache),
    cache: { getOrSet: (key, factory) => cache.wrap(key, factory, TTL_MS) },
  };
}

/** bentocache's `getOrSet` over one store (and its get and set for the other calls). */
export function bentocacheClient(store: BentoStore): Client {
  const bento = new BentoCache({ default: "cache", stores: { cache: store } });
  const ttl = TTL_MS;
  const get = (key: string) => bento.get<unknown>({ key });
  return {
    get,
    getMany: (keys) => Promise.all(keys.map(get)),
    put: (key, value) => bento.setForever({ key, value }),
    putTtl: (key, value) => bento.set({ key, value, ttl }),
    putMany: (entries) =>
      Promise.all(entries.map(([key, value]) => bento.setForever({ key, value }))),
    putManyTtl: (entries) =>
      Promise.all(entries.map(([key, value]) => bento.set({ key, value, ttl }))),
    close: () => bento.disconnect(),
    cache: { getOrSet: (key, factory) => bento.getOrSet({ key, factory, ttl }) },
  };
}

/** The @kv/cache subject and its in-process-only variant, on stores `open` gives. */
export function kvCacheSubjects(
  backend: string,
  open: (collection: string) => { store: KeyValue; close?: () => Promise<void> },
  collection: string,
): Subject[] {
  return [
    {
      name: KV_CACHE,
      role: "kv",
      description: `createCache(${backend}, { ttl }).getOrSet: a lease taken with putIfAbsent on every miss, so one process computes`,
      packages: ["@kv/cache", "@kv/protocol"],
      open: async () => {
        const { store, close } = open(collection);
        return kvCacheClient(store, collection, close);
      },
    },
    {
      name: `${KV_CACHE} (in-process only)`,
      role: "reference",
      relativeTo: KV_CACHE,
      description: `the same over ${backend} with putIfAbsent hidden: concurrent misses share one computation in the process, no lease`,
      packages: ["@kv/cache"],
      open: async () => {
        const { store, close } = open(`${collection}-process`);
        return kvCacheClient(withoutLease(store), `${collection}-process`, close);
      },
    },
  ];
}

/**
 * Caches on an in-process store: @kv/cache's `getOrSet` over `MemoryStore`, cache-manager's
 * `wrap` and bentocache's `getOrSet` on their memory stores, against get-or-compute by hand.
 */
export function cacheMemorySuite(): Suite {
  const baseline = "MemoryStore get (by hand)";
  return {
    id: "cache-memory",
    title: "Caches in memory: getOrSet",
    baseline,
    workloads: CACHE_WORKLOADS,
    subjects: [
      {
        name: baseline,
        role: "baseline",
        description:
          "get on new MemoryStore(); on a miss, the factory then put with the TTL (no stampede protection)",
        packages: ["@kv/memory"],
        open: async () => cacheAsideClient(new MemoryStore()),
      },
      ...kvCacheSubjects("new MemoryStore()", () => ({ store: new MemoryStore() }), "cache"),
      {
        name: "cache-manager wrap (memory)",
        role: "anchor",
        relativeTo: KV_CACHE,
        description: "createCache() over new Keyv() (its default Map store), wrap(key, fn, ttl)",
        packages: ["cache-manager", "keyv"],
        open: async () => cacheManagerWrapClient(createCache({ stores: [new Keyv()] })),
      },
      {
        name: "bentocache getOrSet (memory)",
        role: "anchor",
        relativeTo: KV_CACHE,
        description:
          "new BentoCache() over its memory driver (maxItems 200 000, so the run's keys stay), getOrSet({ key, factory, ttl })",
        packages: ["bentocache"],
        open: async () =>
          bentocacheClient(bentostore().useL1Layer(memoryDriver({ maxItems: 200_000 }))),
      },
    ],
  };
}

import { MemoryStore } from "@kv/memory";
import { createCache } from "cache-manager";
import Keyv from "keyv";
import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { open, seal } from "../envelope.ts";
import { converted, kvClient } from "../kv-client.ts";
import {
  type Client,
  type Entry,
  type Subject,
  type Suite,
  TTL_SECONDS,
  type Value,
} from "../types.ts";
import { UNTRACED_MEMORY, UntracedMemoryStore } from "../untraced-memory.ts";
import { MEMORY_WRAPPERS, wrapperSubjectName } from "./memory-wrappers.ts";

const TTL_MS = TTL_SECONDS * 1000;
const MAP_BASELINE = "Map (JSON envelope)";
const KV_MEMORY = "@kv/memory";

/** The limit for in-process stores: a `Map` of JSON envelope strings behind async methods. */
export function mapBaseline(): Client {
  const map = new Map<string, string>();
  const read = (key: string, now: number) => {
    const value = open(map.get(key), now);
    if (value === undefined) map.delete(key);
    return value;
  };
  return {
    get: async (key) => read(key, Date.now()),
    getMany: async (keys) => {
      const now = Date.now();
      return keys.map((key) => read(key, now));
    },
    put: async (key, value) => {
      map.set(key, seal(value, Date.now()));
    },
    putTtl: async (key, value) => {
      map.set(key, seal(value, Date.now(), TTL_SECONDS));
    },
    putMany: async (entries) => {
      const now = Date.now();
      for (const [key, value] of entries) map.set(key, seal(value, now));
    },
    putManyTtl: async (entries) => {
      const now = Date.now();
      for (const [key, value] of entries) map.set(key, seal(value, now, TTL_SECONDS));
    },
    close: async () => map.clear(),
    atomic: {
      putIfAbsent: async (key, value) => {
        const now = Date.now();
        if (read(key, now) !== undefined) return false;
        map.set(key, seal(value, now));
        return true;
      },
      increment: async (key) => {
        const now = Date.now();
        const count = ((read(key, now)?.count as number | undefined) ?? 0) + 1;
        map.set(key, seal({ count }, now));
        return count;
      },
      compareAndSet: async (key, value) => {
        const text = map.get(key);
        if (text === undefined || (await read(key, Date.now())) === undefined) return false;
        if (map.get(key) !== text) return false;
        map.set(key, seal(value, Date.now()));
        return true;
      },
      deleteMany: async (keys) => {
        for (const key of keys) map.delete(key);
      },
    },
  };
}

/** Converters (each caching its own conversions) of entry lists to `{ key, value, ttl? }` objects. */
function entryObjects() {
  return {
    plain: converted((entries: readonly Entry[]) =>
      entries.map(([key, value]) => ({ key, value })),
    ),
    expiring: converted((entries: readonly Entry[]) =>
      entries.map(([key, value]) => ({ key, value, ttl: TTL_MS })),
    ),
  };
}

/** A Keyv instance (any store) as a benchmark client. */
export function keyvClient(keyv: Keyv, close: () => Promise<void>): Client {
  const { plain, expiring } = entryObjects();
  return {
    get: (key) => keyv.get(key),
    getMany: (keys) => keyv.getMany(keys as string[]),
    put: (key, value) => keyv.set(key, value),
    putTtl: (key, value) => keyv.set(key, value, TTL_MS),
    putMany: (entries) => keyv.setMany(plain(entries)),
    putManyTtl: (entries) => keyv.setMany(expiring(entries)),
    close,
  };
}

/** A cache-manager cache as a benchmark client. */
export function cacheManagerClient(cache: ReturnType<typeof createCache>): Client {
  const { plain, expiring } = entryObjects();
  return {
    get: (key) => cache.get(key),
    getMany: (keys) => cache.mget(keys as string[]),
    put: (key, value) => cache.set(key, value),
    putTtl: (key, value) => cache.set(key, value, TTL_MS),
    putMany: (entries) => cache.mset(plain(entries)),
    putManyTtl: (entries) => cache.mset(expiring(entries)),
    close: async () => {
      await cache.disconnect();
    },
  };
}

/** An unstorage instance as a benchmark client; `ttl` says whether its driver honours TTLs. */
export function unstorageClient(storage: ReturnType<typeof createStorage>): Client {
  const withTtl = { ttl: TTL_SECONDS } as const;
  const plain = converted((entries: readonly Entry[]) =>
    entries.map(([key, value]) => ({ key, value })),
  );
  const expiring = converted((entries: readonly Entry[]) =>
    entries.map(([key, value]) => ({ key, value, options: withTtl })),
  );
  const names = converted((keys: readonly string[]) => [...keys]);
  return {
    get: async (key) => (await storage.getItem<Value>(key)) ?? undefined,
    getMany: async (keys) =>
      (await storage.getItems<Value>(names(keys))).map(({ value }) => value ?? undefined),
    put: (key, value) => storage.setItem(key, value),
    putTtl: (key, value) => storage.setItem(key, value, withTtl),
    putMany: (entries) => storage.setItems(plain(entries)),
    putManyTtl: (entries) => storage.setItems(expiring(entries)),
    close: () => storage.dispose(),
  };
}

/** In-process stores against a `Map` of JSON strings, plus the wrappers around @kv/memory. */
export function memorySuite(): Suite {
  return {
    id: "memory",
    title: "In-process stores",
    baseline: MAP_BASELINE,
    subjects: [
      {
        name: MAP_BASELINE,
        role: "baseline",
        description: "a Map holding the JSON of { value, created_at, expires_at }, async methods",
        packages: [],
        open: async () => mapBaseline(),
      },
      {
        name: KV_MEMORY,
        role: "kv",
        description: "MemoryStore, unbounded",
        packages: ["@kv/memory", "@kv/protocol"],
        open: async () => kvClient(new MemoryStore()),
      },
      {
        name: UNTRACED_MEMORY,
        role: "reference",
        relativeTo: KV_MEMORY,
        description: "MemoryStore whose methods skip the diagnostics_channel check",
        packages: ["@kv/memory", "@kv/protocol"],
        open: async () => kvClient(new UntracedMemoryStore()),
      },
      ...MEMORY_WRAPPERS.map(
        (wrapper): Subject => ({
          name: wrapperSubjectName(wrapper),
          role: "wrapper",
          relativeTo: KV_MEMORY,
          description: `${wrapper.description} around MemoryStore`,
          packages: [wrapper.package],
          open: async () => kvClient(wrapper.wrap()),
        }),
      ),
      {
        name: "Keyv (memory)",
        role: "anchor",
        description: "new Keyv() with its default Map store",
        packages: ["keyv"],
        open: async () => {
          const keyv = new Keyv();
          return keyvClient(keyv, () => keyv.clear());
        },
      },
      {
        name: "unstorage (memory)",
        role: "anchor",
        description: "createStorage() with the memory driver",
        packages: ["unstorage"],
        unsupported: {
          "put-ttl": "the memory driver has no TTL",
          "put-many-ttl": "the memory driver has no TTL",
        },
        open: async () => unstorageClient(createStorage({ driver: memoryDriver() })),
      },
      {
        name: "cache-manager (memory)",
        role: "anchor",
        description: "createCache() over new Keyv() (its default Map store)",
        packages: ["cache-manager", "keyv"],
        open: async () => cacheManagerClient(createCache({ stores: [new Keyv()] })),
      },
    ],
  };
}

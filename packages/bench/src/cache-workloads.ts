import { deepStrictEqual } from "node:assert/strict";
import type { CacheClient, Client, Value, Workload } from "./types.ts";
import { SMALL_VALUE } from "./workloads.ts";

/** The number of cached keys the hit workload cycles through. */
const KEY_SPACE = 1000;

/** The subject's cache. @throws when it is not one (the harness reports the workload as failed) */
function cacheOf(client: Client): CacheClient {
  if (client.cache === undefined) throw new Error("no getOrSet: the subject is not a cache");
  return client.cache;
}

/** The miss workload's trivial factory: the value, at once. */
const compute = async (): Promise<Value> => SMALL_VALUE;

/**
 * The hit workload's factory. Every key it asks for is cached, so the factory is never called;
 * a subject that lost a cached key fails the workload instead of being measured on misses.
 */
const neverCalled = (): Promise<Value> =>
  Promise.reject(new Error("a cached key was computed again"));

/** A factory that counts its calls. */
function counted(): { factory: () => Promise<Value>; calls: () => number } {
  let calls = 0;
  return {
    factory: async () => {
      calls += 1;
      return SMALL_VALUE;
    },
    calls: () => calls,
  };
}

/**
 * The cache workloads, run by the cache suites (`cache-memory`, `cache-redis`) instead of the
 * store workloads. Their baseline is get-or-compute written by hand on the bare store, so on hits
 * it is one `get`: a cache's ratio on `get-or-set-hit` is what its hit costs over a bare `get`.
 */
export const CACHE_WORKLOADS: readonly Workload[] = [
  {
    id: "get-or-set-hit",
    title: "getOrSet of a cached key, one key at a time (~100 B value)",
    unit: "hits/s",
    opsPerCall: 1,
    async prepare(client) {
      const cache = cacheOf(client);
      const names = Array.from({ length: KEY_SPACE }, (_, index) => `get-or-set-hit:${index}`);
      for (const name of names) await cache.getOrSet(name, compute);
      for (const name of [names[0] ?? "", names[KEY_SPACE - 1] ?? ""]) {
        deepStrictEqual(await cache.getOrSet(name, neverCalled), SMALL_VALUE, "a hit is served");
      }
      let index = 0;
      return () => {
        const key = names[index] ?? "";
        index = index + 1 === names.length ? 0 : index + 1;
        return cache.getOrSet(key, neverCalled);
      };
    },
  },
  {
    id: "get-or-set-miss",
    title: "getOrSet of a new key, one key at a time, with a trivial async factory",
    unit: "misses/s",
    opsPerCall: 1,
    async prepare(client) {
      const cache = cacheOf(client);
      const run = `get-or-set-miss:${Date.now().toString(36)}`;
      const { factory, calls } = counted();
      deepStrictEqual(await cache.getOrSet(`${run}:check`, factory), SMALL_VALUE);
      deepStrictEqual(calls(), 1, "a miss runs the factory");
      deepStrictEqual(
        await cache.getOrSet(`${run}:check`, neverCalled),
        SMALL_VALUE,
        "what the factory returned is cached",
      );
      let index = 0;
      return () => cache.getOrSet(`${run}:${index++}`, compute);
    },
  },
];

import KeyvRedis from "@keyv/redis";
import { RedisStore } from "@kv/redis";
import { bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { createCache } from "cache-manager";
import Keyv from "keyv";
import { CACHE_WORKLOADS } from "../cache-workloads.ts";
import type { Suite } from "../types.ts";
import {
  bentocacheClient,
  cacheAsideClient,
  cacheManagerWrapClient,
  KV_CACHE,
  kvCacheSubjects,
} from "./cache.ts";
import {
  connect,
  KEY_PREFIX,
  redisTarget,
  serverVersion,
  unavailable,
  unlinkOwnKeys,
} from "./redis.ts";

/**
 * Every key of this suite starts with this; it removes only these, so it never touches the keys
 * of the Redis suite, measured in the same run.
 */
const PREFIX = `${KEY_PREFIX}-getorset`;

/**
 * Caches on Redis, on the Redis suite's server and database: @kv/cache's `getOrSet` over
 * `RedisStore`, cache-manager's `wrap` over `@keyv/redis` and bentocache's `getOrSet` over its
 * Redis driver (no memory tier in front, so every hit is a Redis read), against get-or-compute by
 * hand on `RedisStore`.
 */
export function cacheRedisSuite(): Suite {
  const { url } = redisTarget();
  const baseline = "RedisStore get (by hand)";
  const redisStore = (collection: string) => {
    const store = new RedisStore({ url, defaultCollection: collection });
    return { store, close: () => store.close() };
  };
  return {
    id: "cache-redis",
    title: "Caches on Redis: getOrSet",
    baseline,
    workloads: CACHE_WORKLOADS,
    unavailable: () => unavailable(PREFIX),
    environment: serverVersion,
    cleanup: () => unlinkOwnKeys(PREFIX),
    subjects: [
      {
        name: baseline,
        role: "baseline",
        description:
          "get on RedisStore({ url }); on a miss, the factory then put with the TTL (no stampede protection)",
        packages: ["@kv/redis", "ioredis"],
        open: async () => {
          const { store, close } = redisStore(`${PREFIX}-by-hand`);
          return cacheAsideClient(store, close);
        },
      },
      ...kvCacheSubjects("RedisStore({ url })", redisStore, `${PREFIX}-kv`),
      {
        name: "cache-manager wrap + @keyv/redis",
        role: "anchor",
        relativeTo: KV_CACHE,
        description: "createCache() over new Keyv(new KeyvRedis(url)), wrap(key, fn, ttl)",
        packages: ["cache-manager", "keyv", "@keyv/redis"],
        open: async () =>
          cacheManagerWrapClient(
            createCache({
              stores: [new Keyv(new KeyvRedis(url), { namespace: `${PREFIX}-wrap` })],
            }),
          ),
      },
      {
        name: "bentocache getOrSet (redis)",
        role: "anchor",
        relativeTo: KV_CACHE,
        description:
          "new BentoCache() over its Redis driver alone (an ioredis client), getOrSet({ key, factory, ttl })",
        packages: ["bentocache", "ioredis"],
        open: async () =>
          bentocacheClient(
            bentostore().useL2Layer(
              redisDriver({ connection: connect(), prefix: `${PREFIX}-bentocache` }),
            ),
          ),
      },
    ],
  };
}

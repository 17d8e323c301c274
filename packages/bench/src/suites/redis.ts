import KeyvRedis from "@keyv/redis";
import { RedisStore } from "@kv/redis";
import { createCache } from "cache-manager";
import { Redis } from "ioredis";
import { Redis as Redis5 } from "ioredis5";
import Keyv from "keyv";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { open, seal } from "../envelope.ts";
import { kvClient, ownedKvClient } from "../kv-client.ts";
import type { Client, Suite } from "../types.ts";
import { TTL_SECONDS } from "../types.ts";
import { cacheManagerClient, keyvClient, unstorageClient } from "./memory.ts";

const RAW = "ioredis (raw)";
const RAW5 = "ioredis 5 (raw)";
/** Every key the bench writes starts with this, so cleanup removes only the bench's own keys. */
export const KEY_PREFIX = "kvbench";

/** Where the bench's Redis is: `KV_REDIS_URL`, database `KV_BENCH_REDIS_DB` (default 9). */
export function redisTarget(): { url: string; db: number; port: number } {
  const base = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
  const db = Number(process.env.KV_BENCH_REDIS_DB ?? 9);
  base.pathname = `/${db}`;
  return { url: base.toString(), db, port: Number(base.port || 6379) };
}

/** The ioredis options the bench sets. */
export interface ConnectOptions {
  /** Do not connect before the first command or `connect()`. */
  lazyConnect?: boolean;
  /** Coalesce commands issued in the same tick into one write. */
  enableAutoPipelining?: boolean;
  /** How often a command is retried over reconnects. */
  maxRetriesPerRequest?: number;
  /** When to reconnect; `null` never. */
  retryStrategy?: () => null;
  /** How long to wait for the connection, in ms. */
  connectTimeout?: number;
}

/** An ioredis client for the bench's database; `options` are added to the defaults. */
export function connect(options: ConnectOptions = {}): Redis {
  return new Redis(redisTarget().url, options);
}

/** The calls the raw baseline makes, alike in ioredis 5 and 6. */
interface RawRedis {
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, px: "PX", milliseconds: number): Promise<unknown>;
  set(key: string, value: string, nx: "NX"): Promise<unknown>;
  mset(pairs: string[]): Promise<unknown>;
  del(keys: string[]): Promise<number>;
  script(subcommand: "LOAD", script: string): Promise<unknown>;
  evalsha(sha: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  pipeline(): {
    set(key: string, value: string, px: "PX", milliseconds: number): unknown;
    exec(): Promise<[error: Error | null, result: unknown][] | null>;
  };
  quit(): Promise<unknown>;
}

/**
 * The options `RedisStore` gives the connection it opens itself (see @kv/redis `client.ts`), for
 * a client it borrows to stand in for one of its own.
 */
const STORE_CONNECTION = {
  commandTimeout: 5000,
  autoResendUnfulfilledCommands: false,
  enableOfflineQueue: false,
} as const;

/** The limit: raw ioredis storing the same JSON envelope as the Map baseline. */
function rawClient(redis: RawRedis, prefix: string): Client {
  const ttlMs = TTL_SECONDS * 1000;
  return {
    get: async (key) => open(await redis.get(prefix + key), Date.now()),
    getMany: async (keys) => {
      const texts = await redis.mget(keys.map((key) => prefix + key));
      const now = Date.now();
      return texts.map((text) => open(text, now));
    },
    put: (key, value) => redis.set(prefix + key, seal(value, Date.now())),
    putTtl: (key, value) =>
      redis.set(prefix + key, seal(value, Date.now(), TTL_SECONDS), "PX", ttlMs),
    putMany: (entries) => {
      const now = Date.now();
      const pairs: string[] = [];
      for (const [key, value] of entries) pairs.push(prefix + key, seal(value, now));
      return redis.mset(pairs);
    },
    putManyTtl: async (entries) => {
      const now = Date.now();
      const pipeline = redis.pipeline();
      for (const [key, value] of entries) {
        pipeline.set(prefix + key, seal(value, now, TTL_SECONDS), "PX", ttlMs);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (const [error] of replies) if (error) throw error;
    },
    close: async () => {
      await redis.quit();
    },
  };
}

/** Adds 1 to the count in a JSON envelope, keeping its TTL: the script equivalent of `INCRBY`. */
const INCREMENT_ENVELOPE = `
local text = redis.call('GET', KEYS[1])
local count = 1
if text then count = cjson.decode(text).value.count + 1 end
redis.call('SET', KEYS[1], cjson.encode({value = {count = count}, created_at = tonumber(ARGV[1])}), 'KEEPTTL')
return count`;

/** Writes ARGV[2] only while the key still holds the text ARGV[1]: compare-and-set by content. */
const SET_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`;

/**
 * The raw baseline with the native atomic commands: `SET NX`, the increment script above, and
 * `GET` followed by a compare-and-set script.
 */
async function rawAtomicClient(redis: RawRedis, prefix: string): Promise<Client> {
  const [increment, compareAndSet] = (await Promise.all([
    redis.script("LOAD", INCREMENT_ENVELOPE),
    redis.script("LOAD", SET_IF_UNCHANGED),
  ])) as string[];
  return {
    ...rawClient(redis, prefix),
    atomic: {
      putIfAbsent: async (key, value) =>
        (await redis.set(prefix + key, seal(value, Date.now()), "NX")) === "OK",
      increment: async (key) =>
        Number(await redis.evalsha(increment ?? "", 1, prefix + key, Date.now())),
      compareAndSet: async (key, value) => {
        const text = await redis.get(prefix + key);
        if (text === null) return false;
        const next = seal(value, Date.now());
        return (await redis.evalsha(compareAndSet ?? "", 1, prefix + key, text, next)) === 1;
      },
      deleteMany: (keys) => redis.del(keys.map((key) => prefix + key)),
    },
  };
}

/** Removes the bench's keys: those starting with `prefix` (default `kvbench`, all of them). */
export async function unlinkOwnKeys(prefix: string = KEY_PREFIX): Promise<void> {
  const redis = connect({ lazyConnect: true });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** The server's version and address, for the report. */
export async function serverVersion(): Promise<Record<string, string>> {
  const redis = connect({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const info = await redis.info("server");
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
    return { "redis-server": version, "redis url": redisTarget().url };
  } catch {
    return {};
  } finally {
    redis.disconnect();
  }
}

/**
 * Why the Redis suites cannot run (no server answers), or `undefined` once the keys under `prefix`
 * an earlier run left behind are removed.
 */
export async function unavailable(prefix: string = KEY_PREFIX): Promise<string | undefined> {
  const { url } = redisTarget();
  const redis = connect({
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    await unlinkOwnKeys(prefix);
    return undefined;
  } catch {
    return `no Redis answers at ${url}; start it with: bash scripts/services/redis.sh start`;
  } finally {
    redis.disconnect();
  }
}

/** Redis clients against raw ioredis, on the server of `scripts/services/redis.sh`. */
export function redisSuite(): Suite {
  const { url } = redisTarget();
  return {
    id: "redis",
    title: "Redis",
    baseline: RAW,
    unavailable,
    environment: serverVersion,
    cleanup: unlinkOwnKeys,
    subjects: [
      {
        name: RAW,
        role: "baseline",
        description:
          "GET/SET, MGET/MSET, one pipeline of SET … PX; same JSON envelope as the Map baseline; SET NX, an increment script (EVALSHA) and GET + a compare-and-set script",
        packages: ["ioredis"],
        open: () => rawAtomicClient(connect(), `${KEY_PREFIX}-raw:`),
      },
      {
        name: "ioredis (raw, auto-pipelining)",
        role: "reference",
        description: "the raw baseline with enableAutoPipelining: true",
        packages: ["ioredis"],
        open: async () =>
          rawClient(connect({ enableAutoPipelining: true }), `${KEY_PREFIX}-rawap:`),
      },
      {
        name: "@kv/redis",
        role: "kv",
        description: "RedisStore({ url }) (its own ioredis connection, default options)",
        packages: ["@kv/redis", "ioredis"],
        open: async () =>
          ownedKvClient(new RedisStore({ url, defaultCollection: `${KEY_PREFIX}-kv` })),
      },
      {
        name: RAW5,
        role: "reference",
        description:
          "the raw baseline on ioredis 5; its ratio is what ioredis 5 gains or loses over 6",
        packages: ["ioredis5"],
        open: async () => rawClient(new Redis5(url), `${KEY_PREFIX}-raw5:`),
      },
      {
        name: "@kv/redis (ioredis 5)",
        role: "kv",
        relativeTo: RAW5,
        description:
          "RedisStore({ client }) over an ioredis 5 client with the options the store gives its own",
        packages: ["@kv/redis", "ioredis5"],
        open: async () => {
          const client = new Redis5(url, { ...STORE_CONNECTION, lazyConnect: true });
          await client.connect();
          const store = new RedisStore({
            client: client as unknown as Redis,
            defaultCollection: `${KEY_PREFIX}-kv5`,
          });
          return kvClient(store, async () => {
            await store.close();
            await client.quit();
          });
        },
      },
      {
        name: "Keyv + @keyv/redis",
        role: "anchor",
        description: "new Keyv(new KeyvRedis(url)) with a namespace",
        packages: ["keyv", "@keyv/redis", "@redis/client"],
        open: async () => {
          const keyv = new Keyv(new KeyvRedis(url), { namespace: `${KEY_PREFIX}-keyv` });
          return keyvClient(keyv, () => keyv.disconnect());
        },
      },
      {
        name: "unstorage (redis)",
        role: "anchor",
        description: "createStorage() with the redis driver (ioredis)",
        packages: ["unstorage", "ioredis"],
        open: async () =>
          unstorageClient(
            createStorage({ driver: redisDriver({ url, base: `${KEY_PREFIX}-unstorage` }) }),
          ),
      },
      {
        name: "cache-manager + @keyv/redis",
        role: "anchor",
        description: "createCache() over new Keyv(new KeyvRedis(url)) with a namespace",
        packages: ["cache-manager", "keyv", "@keyv/redis"],
        open: async () =>
          cacheManagerClient(
            createCache({
              stores: [new Keyv(new KeyvRedis(url), { namespace: `${KEY_PREFIX}-cache-manager` })],
            }),
          ),
      },
    ],
  };
}

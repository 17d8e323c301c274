import { MemcachedStore } from "@kv/memcached";
import { MemcacheClient, type MultiRetrievalResponse } from "memcache-client";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";
import { serverSuite } from "./servers.ts";

const RAW = "memcache-client (raw)";
/** Every memcached key the raw baseline writes starts with this. */
const RAW_PREFIX = "kvbench-raw:";
/** The collection of the store under test (its keys start with `kvbench::`). */
const COLLECTION = "kvbench";

function memcachedUrl(): string {
  return process.env.KV_MEMCACHED_URL ?? "memcached://127.0.0.1:11212";
}

function connect(timeoutMs = 10_000): MemcacheClient {
  return new MemcacheClient({
    server: new URL(memcachedUrl()).host,
    cmdTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    noDelay: true,
  });
}

/** `true` when the command was answered with success, `false` for `NOT_STORED`/`EXISTS`/`NOT_FOUND`. */
async function stored(command: Promise<unknown>): Promise<boolean> {
  try {
    await command;
    return true;
  } catch (error) {
    if (/^(NOT_STORED|EXISTS|NOT_FOUND)$/.test((error as Error).message)) return false;
    throw error;
  }
}

/**
 * The limit: the raw client holding the Map baseline's JSON envelope, `get`/`set` (exptime in
 * seconds for TTL writes), one `get k1 k2 …` for many reads and one `set` per entry, all sent
 * at once, for many writes. Atomic calls are `add`, and `gets` then `cas`.
 */
async function rawClient(): Promise<Client> {
  const client = connect();
  const key = (name: string) => RAW_PREFIX + name;
  const put = (name: string, value: Value, ttl?: number) =>
    client.set(key(name), seal(value, Date.now(), ttl), { lifetime: ttl ?? 0 });
  const putMany = (entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    return Promise.all(
      entries.map(([name, value]) =>
        client.set(key(name), seal(value, now, ttl), { lifetime: ttl ?? 0 }),
      ),
    );
  };
  const read = async (name: string) => {
    const found: { value: unknown; casUniq?: number | string } | undefined = await client.gets(
      key(name),
    );
    return found;
  };
  return {
    get: async (name) => open((await read(name))?.value as string | undefined, Date.now()),
    getMany: async (names) => {
      const found = await client.get<MultiRetrievalResponse>(names.map(key));
      const now = Date.now();
      return names.map((name) => open(found[key(name)]?.value as string | undefined, now));
    },
    ...writeCalls(put, putMany),
    close: async () => client.shutdown(),
    atomic: {
      putIfAbsent: (name, value) =>
        stored(client.add(key(name), seal(value, Date.now()), { lifetime: 0 })),
      increment: async (name) => {
        for (;;) {
          const found = await read(name);
          const count =
            Number(open(found?.value as string | undefined, Date.now())?.count ?? 0) + 1;
          const text = seal({ count }, Date.now());
          const written =
            found?.casUniq === undefined
              ? await stored(client.add(key(name), text, { lifetime: 0 }))
              : await stored(client.cas(key(name), text, { lifetime: 0, casUniq: found.casUniq }));
          if (written) return count;
        }
      },
      compareAndSet: async (name, value) => {
        const found = await read(name);
        if (found?.casUniq === undefined) return false;
        const text = seal(value, Date.now());
        return stored(client.cas(key(name), text, { lifetime: 0, casUniq: found.casUniq }));
      },
      deleteMany: (names) => Promise.all(names.map((name) => stored(client.delete(key(name))))),
    },
  };
}

/** The server's version, asked on a connection of its own. */
async function serverVersion(): Promise<string> {
  const client = connect(2000);
  try {
    const [, version] = await client.version();
    return version ?? "unknown";
  } finally {
    client.shutdown();
  }
}

/**
 * Memcached stores against the raw memcache-client, under key prefixes of the bench's own. There
 * is no cleanup: memcached cannot list keys, and every workload cycles through a fixed set of
 * keys (the putIfAbsent workload deletes its own), so repeated runs overwrite the same items.
 */
export function memcachedSuite(): Suite {
  return serverSuite({
    id: "memcached",
    title: "Memcached",
    server: { name: "memcached", url: memcachedUrl(), service: "memcached" },
    answer: serverVersion,
    version: serverVersion,
    raw: {
      name: RAW,
      description:
        "get/set, one multi-key get, one set per entry sent at once, add, gets+cas; same JSON envelope as the Map baseline",
      packages: ["memcache-client"],
      open: rawClient,
    },
    store: {
      name: "@kv/memcached",
      description: "MemcachedStore({ url }) with its defaults (one connection)",
      packages: ["@kv/memcached", "memcache-client"],
      open: async () =>
        ownedKvClient(new MemcachedStore({ url: memcachedUrl(), defaultCollection: COLLECTION })),
    },
  });
}

import { randomUUID } from "node:crypto";
import { entryDocumentFields, pythonTimestamp } from "@kv/conformance";
import {
  DeserializationError,
  InvalidKeyError,
  isTransientError,
  parseTimestamp,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  serializeEntry,
} from "@kv/protocol";
import { RedisStore, StoreConfigurationError } from "@kv/redis";
import { Cluster, Redis } from "ioredis";
import { Redis as Redis5 } from "ioredis5";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { commandsSent } from "./monitor.ts";
import { PrivateRedis } from "./private-redis.ts";
import { clusterNodes, redisDbUrl } from "./servers.ts";

/** The database of this file on the shared server; the conformance run uses others. */
const DB = 14;
const raw = new Redis(redisDbUrl(DB));
const standaloneNode = { host: raw.options.host ?? "127.0.0.1", port: raw.options.port ?? 6379 };
const clusterAddresses = clusterNodes().map((node) => {
  const [host = "127.0.0.1", port = "0"] = node.split(":");
  return { host, port: Number(port) };
});
const rawCluster = new Cluster(clusterAddresses);
/** Stores closed after each test. */
const stores: RedisStore[] = [];
/** Stores on the shared servers, destroyed and closed after each test. */
const scratch: RedisStore[] = [];

/** A store on the shared standalone server (db 14). */
function standalone(options: { namespace?: string } = {}): RedisStore {
  const store = new RedisStore({ url: redisDbUrl(DB), ...options });
  scratch.push(store);
  return store;
}

/** A store on the shared Cluster with a namespace of its own. */
function cluster(namespace = `kv-test-${randomUUID().slice(0, 8)}`): RedisStore {
  const store = new RedisStore({ nodes: clusterNodes(), namespace });
  scratch.push(store);
  return store;
}

function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

afterEach(async () => {
  for (const store of scratch.splice(0)) {
    await store.destroy();
    await store.close();
  }
  for (const store of stores.splice(0)) await store.close();
});

afterAll(async () => {
  await raw.quit();
  await rawCluster.quit();
});

describe("layout shared with py-key-value", () => {
  it("stores an entry as the string key collection::key holding the sorted JSON document", async () => {
    const store = standalone();
    const collection = unique("users");
    await store.put("u1", { name: "Ada" }, { collection });
    await store.put("u2", { name: "Bob" }, { collection, ttl: 60 });
    const [plain, expiring] = await raw.mget(`${collection}::u1`, `${collection}::u2`);
    const first = JSON.parse(plain ?? "null");
    expect(Object.keys(first)).toEqual(
      entryDocumentFields.filter((field) => field !== "expires_at"),
    );
    expect(first).toMatchObject({ collection, key: "u1", value: { name: "Ada" }, version: 1 });
    expect(first.created_at).toMatch(pythonTimestamp);
    const second = JSON.parse(expiring ?? "null");
    expect(Object.keys(second)).toEqual(entryDocumentFields);
    const lifetime = parseTimestamp(second.expires_at) - parseTimestamp(second.created_at);
    expect(lifetime).toBe(60_000);
  });

  it("writes byte for byte what serializeEntry of @kv/protocol writes, from put and putMany", async () => {
    const store = standalone();
    const collection = unique("bytes");
    const value = { text: 'quote" ✓ 🙂', list: [1, null, { deep: true }] };
    await store.put("single", value, { collection, ttl: 30 });
    await store.putMany([["bulk", value]], { collection, ttl: 30 });
    for (const key of ["single", "bulk"]) {
      const stored = (await raw.get(`${collection}::${key}`)) ?? "";
      const document = JSON.parse(stored);
      const entry = {
        value,
        createdAt: parseTimestamp(document.created_at),
        expiresAt: parseTimestamp(document.expires_at),
      };
      expect(stored).toBe(serializeEntry(entry, { collection, key }));
    }
  });

  it("reads documents as py-key-value writes them", async () => {
    const store = standalone();
    const collection = unique("python");
    const future = new Date(Date.now() + 3_600_000).toISOString().replace("Z", "+00:00");
    await raw.set(
      `${collection}::from-python`,
      `{"collection": "${collection}", "created_at": "2026-11-23T05:04:57.123456+00:00", "expires_at": "${future}", "key": "from-python", "value": {"name": "Ada", "n": 1}, "version": 1}`,
    );
    await raw.set(`${collection}::value-as-string`, '{"value": "{\\"a\\": 1}", "version": 1}');
    await raw.set(
      `${collection}::expired`,
      '{"expires_at": "2020-01-01T00:00:00Z", "value": {"old": true}, "version": 1}',
    );
    expect(await store.get("from-python", { collection })).toEqual({ name: "Ada", n: 1 });
    const [, ttl] = await store.ttl("from-python", { collection });
    expect(ttl).toBeGreaterThan(3500);
    expect(await store.getMany(["value-as-string", "expired"], { collection })).toEqual([
      { a: 1 },
      undefined,
    ]);
  });

  it("keeps keys verbatim and encodes only ':' and '%' in collection names, so no pairs meet", async () => {
    const store = standalone();
    const base = unique("sep");
    await store.put("b::c", { pair: 1 }, { collection: base });
    await store.put("c", { pair: 2 }, { collection: `${base}::b` });
    await store.put("k", { pair: 3 }, { collection: `${base}:x` });
    await store.put("k", { pair: 4 }, { collection: `${base}%3Ax` });
    expect(await raw.get(`${base}::b::c`)).toContain('"pair":1');
    expect(await raw.get(`${base}%3A%3Ab::c`)).toContain('"pair":2');
    expect(await raw.get(`${base}%3Ax::k`)).toContain('"pair":3');
    expect(await raw.get(`${base}%253Ax::k`)).toContain('"pair":4');
    expect(await store.get("b::c", { collection: base })).toEqual({ pair: 1 });
    expect(await store.get("c", { collection: `${base}::b` })).toEqual({ pair: 2 });
    expect(await store.collections({ limit: 100_000 })).toEqual(
      expect.arrayContaining([base, `${base}::b`, `${base}:x`, `${base}%3Ax`]),
    );
  });

  it("puts every key under '<namespace>:' when a namespace is given", async () => {
    const namespace = unique("app");
    const store = standalone({ namespace });
    await store.put("k", { n: 1 }, { collection: "users" });
    expect(await raw.exists(`${namespace}:users::k`)).toBe(1);
    expect(await raw.exists("users::k")).toBe(0);
  });

  it("refuses namespaces that could make two stores' keys meet", () => {
    for (const namespace of ["", "a::b", "a:"]) {
      expect(() => new RedisStore({ url: redisDbUrl(DB), namespace })).toThrow(InvalidKeyError);
    }
  });
});

describe("time to live in milliseconds", () => {
  it("sets PTTL between 1 400 and 1 500 ms for put(…, { ttl: 1.5 })", async () => {
    const store = standalone();
    const collection = unique("ttl");
    await store.put("k", { n: 1 }, { collection, ttl: 1.5 });
    const remaining = await raw.pttl(`${collection}::k`);
    expect(remaining).toBeGreaterThan(1400);
    expect(remaining).toBeLessThanOrEqual(1500);
  });

  it("sets the same millisecond PTTL on every key of putMany", async () => {
    const store = standalone();
    const collection = unique("ttl-many");
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection, ttl: 1.5 },
    );
    for (const key of ["a", "b"]) {
      const remaining = await raw.pttl(`${collection}::${key}`);
      expect(remaining).toBeGreaterThan(1400);
      expect(remaining).toBeLessThanOrEqual(1500);
    }
  });

  it("keeps sub-second TTLs on a Cluster too", async () => {
    const namespace = unique("ttl-cluster");
    const store = cluster(namespace);
    await store.putMany(
      Array.from({ length: 20 }, (_, index) => [`k${index}`, { index }] as const),
      { collection: "c", ttl: 1.5 },
    );
    await store.put("single", { n: 1 }, { collection: "c", ttl: 1.5 });
    for (const key of ["k0", "k7", "k19", "single"]) {
      const remaining = await rawCluster.pttl(`${namespace}:c::${key}`);
      expect(remaining).toBeGreaterThan(1400);
      expect(remaining).toBeLessThanOrEqual(1500);
    }
  });
});

describe("round trips", () => {
  const keys = Array.from({ length: 100 }, (_, index) => `key-${index}`);
  const entries = keys.map((key, index) => [key, { index }] as const);

  /** The commands that one bulk call of each kind sends, after a warm-up call (script loading). */
  async function bulkCommands(
    store: RedisStore,
    nodes: readonly { host: string; port: number }[],
    collection: string,
  ) {
    const each = async (action: () => Promise<unknown>) => {
      await action();
      return commandsSent(nodes, collection, action);
    };
    return {
      putMany: await each(() => store.putMany(entries, { collection })),
      putManyWithTtl: await each(() => store.putMany(entries, { collection, ttl: 60 })),
      getMany: await each(() => store.getMany(keys, { collection })),
      concurrentGets: await each(() =>
        Promise.all(keys.map((key) => store.get(key, { collection }))),
      ),
      deleteMany: await each(async () => {
        expect(await store.deleteMany(keys, { collection })).toBe(100);
        await store.putMany(entries, { collection });
      }),
    };
  }

  it("sends one command per bulk call of 100 keys on a standalone server", async () => {
    const store = standalone();
    const collection = unique("bulk");
    const sent = await bulkCommands(store, [standaloneNode], collection);
    expect(sent.putMany.map((command) => command.name)).toEqual(["mset"]);
    expect(sent.putManyWithTtl.map((command) => command.name)).toEqual(["evalsha"]);
    expect(sent.getMany.map((command) => command.name)).toEqual(["mget"]);
    expect(sent.concurrentGets.map((command) => command.name)).toEqual(["mget"]);
    expect(sent.deleteMany.map((command) => command.name)).toEqual(["unlink", "mset"]);
    expect(sent.getMany[0]?.args).toHaveLength(101);
  });

  it("sends at most one command per node per bulk call of 100 keys on a Cluster", async () => {
    const store = cluster();
    const collection = unique("bulk");
    const sent = await bulkCommands(store, clusterAddresses, collection);
    for (const [call, commands] of Object.entries(sent)) {
      const perNode = new Map<string, number>();
      for (const { node } of commands) perNode.set(node, (perNode.get(node) ?? 0) + 1);
      const limit = call === "deleteMany" ? 2 : 1; // deleteMany's action also rewrites the keys
      expect(perNode.size, call).toBe(clusterAddresses.length);
      for (const count of perNode.values()) expect(count, call).toBe(limit);
    }
  });

  it("sends a single GET for a lone get", async () => {
    const store = standalone();
    const collection = unique("lone");
    await store.put("k", { n: 1 }, { collection });
    const sent = await commandsSent([standaloneNode], collection, () =>
      store.get("k", { collection }),
    );
    expect(sent.map((command) => command.name)).toEqual(["get"]);
  });

  it("keeps a write issued after a queued read behind it", async () => {
    const store = standalone();
    const collection = unique("order");
    await store.put("k", { v: 1 }, { collection });
    const read = store.get("k", { collection });
    const write = store.put("k", { v: 2 }, { collection });
    expect(await read).toEqual({ v: 1 });
    await write;
    expect(await store.get("k", { collection })).toEqual({ v: 2 });
  });
});

describe("enumeration and destruction", () => {
  it("escapes glob characters so a collection lists only its own keys", async () => {
    const store = standalone();
    const base = unique("glob");
    const names = ["*", "?", "[ab]", "a", "b", "\\", "x*y"];
    for (const name of names) await store.put(`key-${name}`, { name }, { collection: base + name });
    for (const name of names) {
      expect(await store.keys({ collection: base + name })).toEqual([`key-${name}`]);
    }
    expect(await store.destroyCollection(`${base}*`)).toBe(true);
    expect(await store.get("key-a", { collection: `${base}a` })).toEqual({ name: "a" });
  });

  it("pages through 2 500 keys with a complete SCAN cursor loop", async () => {
    const store = standalone();
    const collection = unique("many");
    const keys = Array.from({ length: 2500 }, (_, index) => `k${index}`);
    await store.putMany(keys.map((key) => [key, { key }]));
    await store.putMany(
      keys.map((key) => [key, { key }]),
      { collection },
    );
    const seen = new Set<string>();
    for await (const key of store.iterateKeys({ collection })) seen.add(key);
    expect(seen.size).toBe(2500);
    expect(await store.keys({ collection, limit: 10 })).toHaveLength(10);
    await store.deleteMany(keys);
  });

  it("enumerates a collection across every master of a Cluster", async () => {
    const store = cluster();
    const keys = Array.from({ length: 300 }, (_, index) => `k${index}`);
    await store.putMany(
      keys.map((key) => [key, { key }]),
      { collection: "c" },
    );
    expect((await store.keys({ collection: "c" })).sort()).toEqual([...keys].sort());
    expect(await store.collections()).toEqual(["c"]);
    expect(await store.destroy()).toBe(true);
    expect(await store.keys({ collection: "c" })).toEqual([]);
  });

  it("destroy() removes only entries of its own namespace, never other data", async () => {
    const namespace = unique("mine");
    const mine = standalone({ namespace });
    const other = standalone({ namespace: unique("other") });
    const unnamespaced = standalone();
    const collection = unique("shared");
    await mine.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection },
    );
    await other.put("a", { n: 3 }, { collection });
    await unnamespaced.put("a", { n: 4 }, { collection });
    await raw.set(`${namespace}:foreign::not-an-entry`, "plain text");
    await raw.hset(`${namespace}:hash::key`, "field", "value");
    await raw.set(`${namespace}:plain`, "no separator");
    expect(await mine.destroy()).toBe(true);
    expect(await mine.getMany(["a", "b"], { collection })).toEqual([undefined, undefined]);
    expect(await other.get("a", { collection })).toEqual({ n: 3 });
    expect(await unnamespaced.get("a", { collection })).toEqual({ n: 4 });
    expect(await raw.get(`${namespace}:foreign::not-an-entry`)).toBe("plain text");
    expect(await raw.hget(`${namespace}:hash::key`, "field")).toBe("value");
    expect(await raw.get(`${namespace}:plain`)).toBe("no separator");
    expect(await mine.destroy()).toBe(false);
    await raw.del(
      `${namespace}:foreign::not-an-entry`,
      `${namespace}:hash::key`,
      `${namespace}:plain`,
    );
  });
});

describe("clients", () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start(["--user", "kv", "on", ">s3cret", "~*", "&*", "+@all"]);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("connects with the user, password and database of a URL", async () => {
    const store = new RedisStore({ url: `redis://kv:s3cret@127.0.0.1:${server.port}/5` });
    stores.push(store);
    await store.put("k", { n: 1 }, { collection: "c" });
    const check = new Redis(server.port, "127.0.0.1", { db: 5 });
    expect(await check.get("c::k")).toContain('"n":1');
    check.disconnect();
  });

  it("connects from ioredis options alone", async () => {
    const store = new RedisStore({
      redisOptions: {
        host: "127.0.0.1",
        port: server.port,
        username: "kv",
        password: "s3cret",
        db: 6,
      },
    });
    stores.push(store);
    await store.put("k", { n: 2 }, { collection: "c" });
    const check = new Redis(server.port, "127.0.0.1", { db: 6 });
    expect(await check.get("c::k")).toContain('"n":2');
    check.disconnect();
  });

  it("refuses a timeoutMs that is not a positive number", () => {
    expect(() => new RedisStore({ url: server.url, timeoutMs: 0 })).toThrow(
      StoreConfigurationError,
    );
  });

  it("fails with StoreError, not a hang, when the password is wrong", async () => {
    const store = new RedisStore({
      url: `redis://kv:wrong@127.0.0.1:${server.port}`,
      timeoutMs: 1000,
    });
    stores.push(store);
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("speaks TLS for a rediss:// URL", async () => {
    const tls = await PrivateRedis.start([], { tls: true });
    try {
      const store = new RedisStore({
        url: tls.url,
        redisOptions: { tls: { ca: tls.certificate } },
      });
      stores.push(store);
      expect(tls.url.startsWith("rediss://")).toBe(true);
      await store.put("k", { secure: true });
      expect(await store.get("k")).toEqual({ secure: true });
      await store.close();
    } finally {
      await tls.dispose();
    }
  });

  it("never closes a borrowed client, and closes the one it opened", async () => {
    const client = new Redis(redisDbUrl(DB));
    const borrowed = new RedisStore({ client });
    await borrowed.put("k", { n: 1 }, { collection: unique("borrowed") });
    await borrowed.close();
    expect(await client.ping()).toBe("PONG");
    client.disconnect();

    const check = new Redis(server.port, "127.0.0.1", { username: "kv", password: "s3cret" });
    const connections = async () =>
      String(await check.client("LIST"))
        .trim()
        .split("\n").length;
    const before = await connections();
    const owned = new RedisStore({ url: `redis://kv:s3cret@127.0.0.1:${server.port}` });
    await owned.put("k", { n: 1 }, { collection: unique("owned") });
    expect(await connections()).toBe(before + 1);
    await owned.close();
    for (let attempt = 0; attempt < 50 && (await connections()) > before; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await connections()).toBe(before);
    check.disconnect();
  });

  it("refuses every call after close() with StoreClosedError, never reconnecting", async () => {
    const owned = new RedisStore({ url: `redis://kv:s3cret@127.0.0.1:${server.port}` });
    await owned.put("k", { n: 1 });
    await owned.close();
    const error = await owned.get("k").catch((caught: unknown) => caught);
    expect(StoreClosedError.isInstance(error)).toBe(true);
    expect(isTransientError(error)).toBe(false);
    const borrowed = new RedisStore({ client: raw });
    await borrowed.close();
    await expect(borrowed.put("k", { n: 1 })).rejects.toThrow(StoreClosedError);
    expect(await raw.ping()).toBe("PONG");
  });

  it("works over a borrowed Cluster client", async () => {
    const store = new RedisStore({ client: rawCluster, namespace: unique("borrowed") });
    await store.putMany(
      Array.from({ length: 50 }, (_, index) => [`k${index}`, { index }] as const),
    );
    expect(await store.get("k42")).toEqual({ index: 42 });
    expect(await store.destroy()).toBe(true);
    await store.close();
    expect(rawCluster.status).toBe("ready");
  });

  it("works over a borrowed ioredis 5 client, and leaves it open", async () => {
    const client = new Redis5(redisDbUrl(DB));
    const store = new RedisStore({
      client: client as unknown as Redis,
      namespace: unique("ioredis5"),
    });
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { ttl: 60 },
    );
    await store.put("c", { n: 3 });
    const keys = ["a", "b", "c", "missing"];
    const values = [{ n: 1 }, { n: 2 }, { n: 3 }, undefined];
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(values);
    expect(await store.getMany(keys)).toEqual(values);
    expect((await store.ttl("a"))[1]).toBeGreaterThan(50);
    expect(await store.delete("c")).toBe(true);
    expect(await store.destroy()).toBe(true);
    await store.close();
    expect(await client.ping()).toBe("PONG");
    client.disconnect();
  });

  it("refuses a client with ioredis' keyPrefix", () => {
    const client = new Redis({ lazyConnect: true, keyPrefix: "app:" });
    expect(() => new RedisStore({ client })).toThrow(StoreConfigurationError);
    client.disconnect();
  });
});

/** Every kind of call fails with StoreConnectionError, the driver's error as cause, in bounded time. */
async function expectConnectionErrors(store: RedisStore, timeoutMs: number): Promise<void> {
  for (const call of [
    () => store.get("k"),
    () => store.getMany(["k", "j"]),
    () => store.put("k", { n: 2 }),
    () => store.putMany([["k", { n: 2 }]], { ttl: 10 }),
    () => store.deleteMany(["k"]),
    () => store.keys(),
  ]) {
    const started = performance.now();
    const error = await call().catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
    // The bound is the timeout plus slack for a loaded machine: a hang would be far longer.
    expect(elapsed).toBeLessThan(timeoutMs + 2000);
  }
}

/** Retries a write and a read until the server answers again; returns what was read. */
async function readAfterRecovery(store: RedisStore): Promise<unknown> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await store.put("k", { n: 3 });
      return await store.get("k");
    } catch (error) {
      expect(StoreConnectionError.isInstance(error)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return undefined;
}

/**
 * Opens a store on `server` with a 1 s timeout, lets `use` work with it, stops the server and
 * expects every kind of call to fail in bounded time, then restarts it and expects the store to
 * write and read again; disposes of the server.
 */
async function expectOutageAndRecovery(
  server: PrivateRedis,
  open: (timeoutMs: number) => RedisStore,
  use: (store: RedisStore) => Promise<void>,
): Promise<void> {
  const timeoutMs = 1000;
  const store = open(timeoutMs);
  stores.push(store);
  try {
    await use(store);
    await server.stop();
    await expectConnectionErrors(store, timeoutMs);
    await server.start();
    expect(await readAfterRecovery(store)).toEqual({ n: 3 });
  } finally {
    await server.dispose();
  }
}

describe("errors", () => {
  it("fails with StoreConnectionError while the server is stopped, and works again after it restarts", async () => {
    const server = await PrivateRedis.start();
    await expectOutageAndRecovery(
      server,
      (timeoutMs) => new RedisStore({ url: server.url, timeoutMs }),
      async (store) => {
        await store.put("k", { n: 1 });
      },
    );
  });

  it("does the same when the node of a Cluster is stopped and restarted", async () => {
    const server = await PrivateRedis.startCluster();
    await expectOutageAndRecovery(
      server,
      (timeoutMs) => new RedisStore({ nodes: [`127.0.0.1:${server.port}`], timeoutMs }),
      async (store) => {
        await store.putMany([
          ["a", { n: 1 }],
          ["b", { n: 2 }],
        ]);
        expect(await store.getMany(["a", "b"])).toEqual([{ n: 1 }, { n: 2 }]);
      },
    );
  });

  it("fails with StoreConnectionError when no server listens", async () => {
    const store = new RedisStore({ url: "redis://127.0.0.1:1", timeoutMs: 500 });
    stores.push(store);
    await expect(store.get("k")).rejects.toThrow(StoreConnectionError);
    const clustered = new RedisStore({ nodes: ["127.0.0.1:1"], timeoutMs: 500 });
    stores.push(clustered);
    await expect(clustered.getMany(["a", "b"])).rejects.toThrow(StoreConnectionError);
    await expect(clustered.keys()).rejects.toThrow(StoreConnectionError);
  });

  it("reports a key holding another type as StoreError with the reply as cause", async () => {
    const store = standalone();
    const collection = unique("wrongtype");
    await raw.hset(`${collection}::k`, "field", "value");
    const error = await store.get("k", { collection }).catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(StoreConnectionError.isInstance(error)).toBe(false);
    expect(String((error as Error).cause)).toContain("WRONGTYPE");
    await raw.del(`${collection}::k`);
  });

  it("reports a value that is not an entry document as DeserializationError", async () => {
    const store = standalone();
    const collection = unique("garbage");
    await raw.set(`${collection}::k`, "not json");
    await expect(store.get("k", { collection })).rejects.toThrow(DeserializationError);
    await raw.del(`${collection}::k`);
  });
});

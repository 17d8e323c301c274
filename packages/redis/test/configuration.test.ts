import { inspect } from "node:util";
import { isTransientError, StoreError } from "@kv/protocol";
import { RedisStore, type RedisStoreOptions, StoreConfigurationError } from "@kv/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "./private-redis.ts";

const password = "pa55-w0rd-secret";
/** Stores closed after each test. */
const stores: RedisStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** The error the constructor throws for these options (failing the test when it throws none). */
function constructionError(options: RedisStoreOptions): StoreConfigurationError {
  let store: RedisStore | undefined;
  try {
    store = new RedisStore(options);
  } catch (error) {
    expect(StoreConfigurationError.isInstance(error), String(error)).toBe(true);
    expect(isTransientError(error)).toBe(false);
    return error as StoreConfigurationError;
  }
  stores.push(store);
  throw new Error(`new RedisStore(${inspect(options)}) did not throw`);
}

/** What a JavaScript caller (or an unset environment variable) can pass where types forbid it. */
function untyped(options: Record<string, unknown>): RedisStoreOptions {
  return options as RedisStoreOptions;
}

describe("options are checked when the store is constructed", () => {
  it("refuses an empty url instead of connecting to 127.0.0.1:6379", () => {
    expect(constructionError({ url: "" }).message).toMatch(/url is empty/);
  });

  it("refuses a url given as undefined (an unset environment variable) instead of a default", () => {
    expect(constructionError(untyped({ url: undefined })).message).toMatch(/url is undefined/);
    expect(constructionError(untyped({ url: 6379 })).message).toMatch(/url must be a string/);
  });

  it("refuses a url that is not redis:// or rediss://, rather than taking it as a socket path", () => {
    for (const url of [
      "http://127.0.0.1:6379",
      "https://cache.example:6380/1",
      "127.0.0.1:6379",
      "localhost:6379",
      "/var/run/redis.sock",
      "redis:/127.0.0.1:6379",
      "REDISS://cache.example:6380",
      "not a url",
    ]) {
      expect(constructionError({ url }).message).toMatch(/redis:\/\/ or rediss:\/\//);
    }
  });

  it("refuses a url without a host, or that does not parse", () => {
    expect(constructionError({ url: "redis://" }).message).toMatch(/no host/);
    for (const url of ["redis://:6379/1", "redis://127.0.0.1:65536", "redis://a b"]) {
      expect(constructionError({ url }).message).toMatch(/not a valid URL/);
    }
  });

  it("refuses a database that is not a non-negative integer, in the path or the query", () => {
    for (const url of [
      "redis://127.0.0.1:6379/abc",
      "redis://127.0.0.1:6379/1.5",
      "redis://127.0.0.1:6379/-1",
      "redis://127.0.0.1:6379/2/x",
      "redis://127.0.0.1:6379/?db=x",
    ]) {
      expect(constructionError({ url }).message).toMatch(/database/);
    }
    for (const db of [-1, 1.5, Number.NaN]) {
      expect(constructionError({ redisOptions: { db } }).message).toMatch(/redisOptions\.db/);
    }
  });

  it("refuses a port out of range in redisOptions", () => {
    for (const port of [0, 65_536, 1.5]) {
      expect(constructionError({ redisOptions: { port } }).message).toMatch(/redisOptions\.port/);
    }
  });

  it("refuses more than one of url, nodes and client", () => {
    const client = new Redis({ lazyConnect: true });
    const error = constructionError(untyped({ url: "redis://127.0.0.1:6379", client }));
    expect(error.message).toMatch(/only one of/);
    constructionError(untyped({ url: "redis://127.0.0.1:6379", nodes: ["127.0.0.1:7101"] }));
    client.disconnect();
  });

  it("refuses Cluster options that cannot work", () => {
    expect(constructionError({ nodes: [] }).message).toMatch(/nodes/);
    const withDb = { nodes: ["127.0.0.1:7101"], clusterOptions: { redisOptions: { db: 2 } } };
    expect(constructionError(withDb).message).toMatch(/database 0/);
    expect(constructionError({ nodes: ["http://127.0.0.1:7101"] }).message).toMatch(/redis:\/\//);
  });

  it("refuses timeouts that are not positive numbers", () => {
    for (const timeoutMs of [0, -1, Number.NaN]) {
      expect(constructionError({ url: "redis://127.0.0.1", timeoutMs }).message).toMatch(
        /timeoutMs/,
      );
      const connect = { url: "redis://127.0.0.1", connectTimeoutMs: timeoutMs };
      expect(constructionError(connect).message).toMatch(/connectTimeoutMs/);
    }
  });

  it("never puts the password of a url in a message", () => {
    for (const url of [
      `redis://kv:${password}@127.0.0.1:6379/abc`,
      `http://kv:${password}@127.0.0.1:6379`,
      `redis://kv:${password}@/1`,
      `redis://:${password}@127.0.0.1:6379/-1`,
    ]) {
      const error = constructionError({ url });
      expect(error.message).not.toContain(password);
      expect(inspect(error, { depth: 10 })).not.toContain(password);
    }
  });

  it("accepts what ioredis accepts for one server", () => {
    for (const url of [
      "redis://127.0.0.1",
      "redis://127.0.0.1:6379",
      "redis://127.0.0.1:6379/",
      "redis://127.0.0.1:6379/15",
      "rediss://user:pw@cache.example:6380/2",
      "redis://[::1]:6379/0",
      "redis://127.0.0.1:6379?db=3",
    ]) {
      stores.push(new RedisStore({ url }));
    }
    stores.push(new RedisStore());
    stores.push(new RedisStore({ redisOptions: { path: "/var/run/redis.sock", db: 3 } }));
  });
});

describe("a database the server refuses", () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start([
      ...["--databases", "4"],
      ...["--user", "kv", "on", `>${password}`, "~*", "&*", "+@all"],
    ]);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("fails every call with StoreConfigurationError and writes nothing to another database", async () => {
    const url = `redis://kv:${password}@127.0.0.1:${server.port}/4`;
    const store = new RedisStore({ url, timeoutMs: 2000 });
    stores.push(store);
    for (const call of [
      () => store.put("k", { n: 1 }, { collection: "c" }),
      () => store.get("k", { collection: "c" }),
      () => store.putMany([["j", { n: 2 }]], { collection: "c" }),
      () => store.keys({ collection: "c" }),
    ]) {
      const started = performance.now();
      const error = await call().then(
        () => new Error("the call succeeded"),
        (thrown: unknown) => thrown,
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(StoreConfigurationError.isInstance(error), String(error)).toBe(true);
      expect(StoreError.isInstance(error)).toBe(false);
      expect(isTransientError(error)).toBe(false);
      expect((error as Error).message).toMatch(/database 4/);
      expect(String((error as Error).cause)).toMatch(/DB index is out of range/);
      expect(inspect(error, { depth: 10 })).not.toContain(password);
    }
    const check = new Redis(server.port, "127.0.0.1", { username: "kv", password });
    for (let db = 0; db < 4; db++) {
      await check.select(db);
      expect(await check.dbsize()).toBe(0);
    }
    check.disconnect();
  });

  it("works on a database the server has", async () => {
    const store = new RedisStore({ url: `redis://kv:${password}@127.0.0.1:${server.port}/3` });
    stores.push(store);
    await store.put("k", { n: 1 }, { collection: "c" });
    const check = new Redis(server.port, "127.0.0.1", { username: "kv", password, db: 3 });
    expect(await check.get("c::k")).toContain('"n":1');
    check.disconnect();
  });

  it("never puts the password in the error of a wrong password", async () => {
    const store = new RedisStore({ url: `redis://kv:${password}x@127.0.0.1:${server.port}` });
    stores.push(store);
    const error = await store.get("k").catch((thrown: unknown) => thrown);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(inspect(error, { depth: 10 })).not.toContain(password);
  });
});

import { createHash, randomUUID } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { freeLoopbackPort, PrivateServer, withCharCodeAtHidden } from "@kv/conformance";
import { MemcachedStore } from "@kv/memcached";
import {
  type Capability,
  DeserializationError,
  isTransientError,
  MAX_TTL_SECONDS,
  ManualClock,
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
  supports,
} from "@kv/protocol";
import { MemcacheClient } from "memcache-client";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { memcachedUrl } from "../../../scripts/services/require-service.ts";
import { Layout } from "../src/layout.ts";
import { itemTtl, serverAddress } from "./raw.ts";

const raw = new MemcacheClient({ server: serverAddress() });
const stores: MemcachedStore[] = [];

/** A store on the test server, closed after the test. */
function open(options: { clock?: ManualClock } = {}): MemcachedStore {
  const store = new MemcachedStore({ url: memcachedUrl(), ...options });
  stores.push(store);
  return store;
}

/** A collection no other test uses. */
function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

async function rawText(name: string): Promise<string | undefined> {
  return (await raw.get<string | undefined>(name))?.value;
}

/** Where py-key-value's `MemcachedV1KeySanitizationStrategy` puts a long key: `H_<SHA-256 hex>`. */
function digest(text: string): string {
  return `H_${createHash("sha256").update(text).digest("hex")}`;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

afterAll(() => raw.shutdown());

describe("layout", () => {
  it("checks keys without String.prototype.charCodeAt (slow once a class extends String)", () => {
    const locate = (key: string) => withCharCodeAtHidden(() => new Layout().locate("c", key));
    expect(locate("k")).toEqual({ name: "c::k", hashed: false });
    expect(locate("k 1").hashed).toBe(true);
  });

  it("stores py-key-value's entry document under collection::key", async () => {
    const collection = unique("users");
    await open().put("u1", { name: "Ada" }, { collection, ttl: 3600 });
    const document = JSON.parse((await rawText(`${collection}::u1`)) ?? "null");
    expect(document).toMatchObject({ collection, key: "u1", value: { name: "Ada" }, version: 1 });
    expect(document.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
    expect(document.expires_at).toMatch(/\+00:00$/);
  });

  it("writes : and % of a collection as %3A and %25, and keys as they are", async () => {
    const collection = unique("a:b%");
    await open().put("k:1", { n: 1 }, { collection });
    const encoded = collection.replace("%", "%25").replace(":", "%3A");
    expect(await rawText(`${encoded}::k:1`)).toContain('"n":1');
  });

  it("puts a name memcached cannot hold under H_ and the SHA-256 digest of collection::key", async () => {
    const collection = unique("digest");
    const store = open();
    const spaced = "with space";
    const long = "k".repeat(300);
    await store.put(spaced, { n: 1 }, { collection });
    await store.put(long, { n: 2 }, { collection });
    expect(JSON.parse((await rawText(digest(`${collection}::${spaced}`))) ?? "null")).toMatchObject(
      { key: spaced, value: { n: 1 } },
    );
    expect(await rawText(digest(`${collection}::${long}`))).toContain('"n":2');
    expect(await store.getMany([spaced, long], { collection })).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("reads another pair's document found at a digest as a missing entry", async () => {
    const collection = unique("collision");
    const key = "x".repeat(300);
    const document = { collection, key: "other", value: { n: 1 }, version: 1 };
    await raw.set(digest(`${collection}::${key}`), JSON.stringify(document), { lifetime: 60 });
    expect(await open().get(key, { collection })).toBeUndefined();
  });

  it("reads documents written by py-key-value", async () => {
    const collection = unique("python");
    const document =
      '{"created_at": "2026-11-23T05:04:57.123000+00:00", "value": "{\\"name\\": \\"Ada\\"}", "version": 1}';
    await raw.set(`${collection}::u1`, document, { lifetime: 60 });
    expect(await open().get("u1", { collection })).toEqual({ name: "Ada" });
  });

  it("refuses data that is not text with DeserializationError", async () => {
    const collection = unique("typed");
    await raw.set(`${collection}::k`, { not: "text" }, { lifetime: 60 });
    await expect(open().get("k", { collection })).rejects.toSatisfy(
      DeserializationError.isInstance,
    );
  });
});

describe("round trips", () => {
  it("sends the single gets of one turn as one multi-key get", async () => {
    const client = new MemcacheClient({ server: serverAddress() });
    const store = new MemcachedStore({ client });
    const collection = unique("batched");
    const keys = Array.from({ length: 50 }, (_, index) => `k${index}`);
    await store.putMany(
      keys.map((key, index) => [key, { index }]),
      { collection },
    );
    const gets = vi.spyOn(client, "get");
    const values = await Promise.all(keys.map((key) => store.get(key, { collection })));
    expect(values).toEqual(keys.map((_, index) => ({ index })));
    expect(gets).toHaveBeenCalledTimes(1);
    expect(gets.mock.calls[0]?.[0]).toHaveLength(50);
    client.shutdown();
  });

  it("sends a get before a write issued after it in the same turn", async () => {
    const store = open();
    const collection = unique("ordered");
    await store.put("k", { n: 1 }, { collection });
    const [before] = await Promise.all([
      store.get("k", { collection }),
      store.put("k", { n: 2 }, { collection }),
    ]);
    expect(before).toEqual({ n: 1 });
    expect(await store.get("k", { collection })).toEqual({ n: 2 });
  });
});

describe("memcached's expiry", () => {
  it("is the TTL in seconds, rounded up, plus one", async () => {
    const collection = unique("ttl");
    await open().put("k", { n: 1 }, { collection, ttl: 9.2 });
    const ttl = await itemTtl(`${collection}::k`);
    expect(ttl).toBeGreaterThanOrEqual(10);
    expect(ttl).toBeLessThanOrEqual(11);
  });

  it("is an absolute Unix time beyond 30 days, so a 31-day entry lives", async () => {
    const collection = unique("month");
    const store = open();
    await store.put("k", { n: 1 }, { collection, ttl: 31 * 86_400 });
    expect(await store.get("k", { collection })).toEqual({ n: 1 });
    const ttl = await itemTtl(`${collection}::k`);
    expect(ttl).toBeGreaterThan(31 * 86_400 - 5);
    // memcached's clock ticks once a second and may lag the wall clock by a second or two.
    expect(ttl).toBeLessThanOrEqual(31 * 86_400 + 4);
  });

  it("is never for an entry expiring after 2038, whose document alone expires it", async () => {
    const collection = unique("century");
    const store = open();
    await store.put("k", { n: 1 }, { collection, ttl: MAX_TTL_SECONDS });
    expect(await itemTtl(`${collection}::k`)).toBe(-1);
    const [value, ttl] = await store.ttl("k", { collection });
    expect(value).toEqual({ n: 1 });
    expect(ttl).toBeGreaterThan(MAX_TTL_SECONDS - 60);
  });

  it("is never for an entry without a TTL", async () => {
    const collection = unique("forever");
    await open().putMany([["k", { n: 1 }]], { collection });
    expect(await itemTtl(`${collection}::k`)).toBe(-1);
  });
});

describe("delete", () => {
  it("counts an entry whose document expired as absent while memcached still holds it", async () => {
    const clock = new ManualClock();
    const store = open({ clock });
    const collection = unique("expired");
    await store.putMany(
      [
        ["old", { n: 1 }],
        ["older", { n: 2 }],
      ],
      { collection, ttl: 5 },
    );
    await store.put("fresh", { n: 3 }, { collection });
    clock.advanceSeconds(6);
    expect(await rawText(`${collection}::old`)).toBeDefined();
    expect(await store.delete("old", { collection })).toBe(false);
    expect(await store.deleteMany(["older", "fresh", "missing"], { collection })).toBe(1);
    expect(await rawText(`${collection}::old`)).toBeUndefined();
    expect(await rawText(`${collection}::older`)).toBeUndefined();
    expect(await rawText(`${collection}::fresh`)).toBeUndefined();
  });
});

describe("errors", () => {
  it("fails with a transient StoreConnectionError, the client's error as cause, when nothing answers", async () => {
    const port = await freeLoopbackPort();
    const store = new MemcachedStore({ url: `memcached://127.0.0.1:${port}`, timeoutMs: 1000 });
    stores.push(store);
    for (const call of [() => store.get("k"), () => store.put("k", { n: 1 })]) {
      const error = await call().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(StoreConnectionError.isInstance(error)).toBe(true);
      expect(isTransientError(error)).toBe(true);
      expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    }
  });

  it("fails with StoreConnectionError when no answer comes within timeoutMs", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const store = new MemcachedStore({ url: `memcached://127.0.0.1:${port}`, timeoutMs: 300 });
    stores.push(store);
    try {
      await expect(store.get("k")).rejects.toSatisfy(StoreConnectionError.isInstance);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("works again once a server that went away is back", async () => {
    const user = process.getuid?.() === 0 ? ["-u", "nobody"] : [];
    const server = await PrivateServer.start({
      command: "memcached",
      scheme: "memcached",
      args: (port) => ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "16", ...user],
    });
    const store = new MemcachedStore({ url: server.url, timeoutMs: 1000 });
    stores.push(store);
    try {
      await store.put("k", { n: 1 });
      await server.stop();
      await expect(store.get("k")).rejects.toSatisfy(StoreConnectionError.isInstance);
      await server.start();
      expect(await store.get("k")).toBeUndefined();
      await store.put("k", { n: 2 });
      expect(await store.get("k")).toEqual({ n: 2 });
    } finally {
      await server.dispose();
    }
  });

  it("fails with a permanent StoreError for an item larger than the server takes", async () => {
    const error = await open()
      .put("big", { blob: "x".repeat(1_100_000) }, { collection: unique("big") })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(StoreError.isInstance(error)).toBe(true);
    expect(StoreConnectionError.isInstance(error)).toBe(false);
    expect(isTransientError(error)).toBe(false);
    expect(((error as Error).cause as Error).message).toMatch(/^SERVER_ERROR object too large/);
  });

  it.each([
    ["another scheme", "redis://127.0.0.1:11211"],
    ["credentials", "memcached://user:secret@127.0.0.1:11211"],
    ["a path", "memcached://127.0.0.1:11211/db"],
    ["a query", "memcached://127.0.0.1:11211?x=1"],
    ["an IPv6 host", "memcached://[::1]:11211"],
    ["no URL at all", "127.0.0.1:11211"],
  ])("refuses a URL with %s with StoreConfigurationError", (_, url) => {
    expect(() => new MemcachedStore({ url })).toThrow(
      expect.toSatisfy(StoreConfigurationError.isInstance),
    );
  });

  it("refuses timeouts and connection counts out of range with StoreConfigurationError", () => {
    for (const options of [{ timeoutMs: 0 }, { connectTimeoutMs: -1 }, { maxConnections: 1.5 }]) {
      expect(() => new MemcachedStore({ url: memcachedUrl(), ...options })).toThrow(
        expect.toSatisfy(StoreConfigurationError.isInstance),
      );
    }
  });
});

describe("client ownership", () => {
  it("leaves a borrowed client open on close()", async () => {
    const client = new MemcacheClient({ server: serverAddress() });
    const store = new MemcachedStore({ client });
    const collection = unique("borrowed");
    await store.put("k", { n: 1 }, { collection });
    await store.close();
    expect(await client.get(`${collection}::k`)).toBeDefined();
    client.shutdown();
  });

  it("refuses every call after close() with StoreClosedError", async () => {
    const store = open();
    await store.put("k", { n: 1 });
    await store.close();
    await expect(store.get("k")).rejects.toSatisfy(StoreClosedError.isInstance);
  });
});

describe("capabilities", () => {
  it("offers the atomic operations, entries and close, and no enumeration or destruction", () => {
    const store = open();
    const offered: Capability[] = [
      "close",
      "entries",
      "putIfAbsent",
      "versions",
      "increment",
      "touch",
    ];
    const absent: Capability[] = ["keys", "collections", "destroyCollection", "destroy", "cull"];
    for (const capability of offered) expect(supports(store, capability)).toBe(true);
    for (const capability of absent) expect(supports(store, capability)).toBe(false);
    // @ts-expect-error memcached cannot list its keys, so the type has no keys()
    expect(store.keys).toBeUndefined();
  });
});

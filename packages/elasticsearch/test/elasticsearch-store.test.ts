import { createHash } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { freeLoopbackPort, pythonTimestamp } from "@kv/conformance";
import { BulkWriteError, ElasticsearchStore } from "@kv/elasticsearch";
import {
  InvalidKeyError,
  ManualClock,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
} from "@kv/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteIndices,
  elasticsearchUrl,
  freshPrefix,
  rawClient,
  recordedStore,
  storeMaker,
  testIndexSettings,
} from "./helpers.ts";

const client = rawClient();
const prefix = freshPrefix("spec");
const otherPrefix = freshPrefix("other");

/** The mapping py-key-value 0.4 gives the indices it creates. */
const pythonMappings = {
  properties: {
    created_at: { type: "date" },
    expires_at: { type: "date" },
    collection: { type: "keyword" },
    key: { type: "keyword" },
    version: { type: "integer" },
    value: { properties: { flattened: { type: "flattened" } } },
  },
} as const;

let counter = 0;
function collection(label = "c"): string {
  return `${label}-${++counter}`;
}

const store = storeMaker(client, prefix);

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The URL of a loopback port nothing listens on (just closed). */
async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freeLoopbackPort()}`;
}

afterAll(async () => {
  await deleteIndices(client, prefix);
  await deleteIndices(client, otherPrefix);
  await client.close();
});

describe("ElasticsearchStore layout (py-key-value compatible)", () => {
  it("names an index <prefix>-<collection> for lowercase names, as py-key-value does", async () => {
    const s = store();
    await s.put("k", { n: 1 }, { collection: "users_v1.x-y" });
    expect(await client.indices.exists({ index: `${prefix}-users_v1.x-y` })).toBe(true);
  });

  it("escapes other characters reversibly, so names differing in case get different indices", async () => {
    const s = store();
    await s.put("k", { n: 1 }, { collection: "Users" });
    await s.put("k", { n: 2 }, { collection: "a/b 🙂" });
    expect(await client.indices.exists({ index: `${prefix}-+55sers` })).toBe(true);
    expect(await client.indices.exists({ index: `${prefix}-a+2fb+20+f0+9f+99+82` })).toBe(true);
    expect(await s.get("k", { collection: "users" })).toBeUndefined();
  });

  it("hashes a name too long for an index name, within Elasticsearch's 255 bytes", async () => {
    const s = store();
    const long = "Long".repeat(100);
    await s.put("k", { n: 1 }, { collection: long });
    const names = Object.keys(await client.indices.get({ index: `${prefix}-+4cong*` }));
    expect(names).toHaveLength(1);
    const [name = ""] = names;
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith(`~${sha256(long)}`)).toBe(true);
    expect(await s.get("k", { collection: long })).toEqual({ n: 1 });
  });

  it("writes py-key-value's document shape, with the key as document id", async () => {
    const s = store();
    const name = collection();
    await s.put("user-1", { name: "Ada", tags: ["x"] }, { collection: name, ttl: 60 });
    const { _source: source } = await client.get<Record<string, unknown>>({
      index: `${prefix}-${name}`,
      id: "user-1",
    });
    expect(source).toEqual({
      version: 1,
      key: "user-1",
      collection: name,
      value: { flattened: { name: "Ada", tags: ["x"] } },
      created_at: expect.stringMatching(pythonTimestamp),
      expires_at: expect.stringMatching(pythonTimestamp),
    });
  });

  it("creates indices whose mapping keeps the value out of the index", async () => {
    const s = store();
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name });
    const index = `${prefix}-${name}`;
    const mapping = await client.indices.getMapping({ index });
    expect(mapping[index]?.mappings).toEqual({
      dynamic: "false",
      properties: {
        collection: { type: "keyword" },
        created_at: { type: "date" },
        expires_at: { type: "date" },
        key: { type: "keyword", ignore_above: 8191 },
        value: { type: "object", enabled: false },
        version: { type: "integer" },
      },
    });
  });

  it("reads and writes an index created by py-key-value with its flattened mapping", async () => {
    const name = collection("py");
    const index = `${prefix}-${name}`;
    await client.indices.create({
      index,
      mappings: pythonMappings,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    await client.index({
      index,
      id: "from-python",
      refresh: true,
      document: {
        version: 1,
        key: "from-python",
        collection: name,
        value: { flattened: { name: "Ada", age: 36 } },
        created_at: "2025-01-01T00:00:00+00:00",
        expires_at: "2999-01-01T00:00:10+00:00",
      },
    });
    const s = store();
    const [value, ttl] = await s.ttl("from-python", { collection: name });
    expect(value).toEqual({ name: "Ada", age: 36 });
    expect(ttl).toBeGreaterThan(0);
    await s.put("from-typescript", { ok: true }, { collection: name });
    expect(await s.keys({ collection: name })).toEqual(
      expect.arrayContaining(["from-python", "from-typescript"]),
    );
  });

  it("reads documents of py-key-value 0.2, whose value is a JSON string", async () => {
    const s = store();
    const name = collection();
    await s.put("warm-up", { n: 0 }, { collection: name });
    await client.index({
      index: `${prefix}-${name}`,
      id: "legacy",
      document: { collection: name, key: "legacy", value: '{"n": 1}' },
    });
    expect(await s.get("legacy", { collection: name })).toEqual({ n: 1 });
  });
});

describe("ElasticsearchStore long keys and wide values", () => {
  it("round-trips a 600-byte key under a hashed id and lists it by its own name", async () => {
    const s = store();
    const name = collection();
    const key = "k".repeat(600);
    await s.put(key, { long: true }, { collection: name });
    await s.put("short", { long: false }, { collection: name });
    expect(await s.get(key, { collection: name })).toEqual({ long: true });
    expect((await s.keys({ collection: name })).sort()).toEqual([key, "short"]);
    const raw = await client.get<{ key: string }>({
      index: `${prefix}-${name}`,
      id: `#sha256:${sha256(key)}`,
    });
    expect(raw._source?.key).toBe(key);
  });

  it("keeps ids up to 512 bytes of UTF-8 as the key, and never lets a key take a hashed id", async () => {
    const s = store();
    const name = collection();
    const fits = "é".repeat(256);
    const long = "🙂".repeat(129);
    const impostor = `#sha256:${sha256(long)}`;
    await s.putMany(
      [
        [fits, { n: 1 }],
        [long, { n: 2 }],
        [impostor, { n: 3 }],
      ],
      { collection: name },
    );
    expect(await s.getMany([fits, long, impostor], { collection: name })).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    const found = await client.mget({
      index: `${prefix}-${name}`,
      ids: [fits, impostor, `#sha256:${sha256(impostor)}`],
    });
    expect(found.docs.map((doc) => "found" in doc && doc.found)).toEqual([true, true, true]);
  });

  it("stores a value with 10 000 distinct field names without growing the mapping", async () => {
    const s = store();
    const name = collection();
    const index = `${prefix}-${name}`;
    await s.put("small", { a: 1 }, { collection: name });
    const before = await client.indices.getMapping({ index });
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`field_${i}`, i]));
    await s.put("wide", wide, { collection: name });
    await s.putMany([["wide-too", { nested: wide }]], { collection: name });
    expect(await s.get("wide", { collection: name })).toEqual(wide);
    expect(await s.get("wide-too", { collection: name })).toEqual({ nested: wide });
    expect(await client.indices.getMapping({ index })).toEqual(before);
  });

  it("accepts values py-key-value's flattened mapping refuses: long strings, deep nesting", async () => {
    const s = store();
    const name = collection();
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 30; level++) deep = { level: deep };
    await s.putMany(
      [
        ["blob", { text: "x".repeat(100_000) }],
        ["deep", deep],
      ],
      { collection: name },
    );
    expect(await s.getMany(["blob", "deep"], { collection: name })).toEqual([
      { text: "x".repeat(100_000) },
      deep,
    ]);
  });
});

describe("ElasticsearchStore bulk calls", () => {
  it("sends one request for getMany, ttlMany, putMany and deleteMany", async () => {
    const { store: s, requests, reset, closeClient } = recordedStore(store);
    const name = collection();
    await s.put("warm-up", { n: 0 }, { collection: name });
    const entries = Array.from({ length: 100 }, (_, i) => [`key-${i}`, { i }] as const);
    const keys = entries.map(([key]) => key);

    reset();
    await s.putMany(entries, { collection: name });
    expect(requests).toEqual([expect.stringMatching(/^POST \/_bulk$/)]);

    reset();
    expect(await s.getMany(keys, { collection: name })).toEqual(entries.map(([, v]) => v));
    expect(requests).toEqual([`POST /${prefix}-${name}/_mget`]);

    reset();
    await s.ttlMany(keys, { collection: name });
    expect(requests).toHaveLength(1);

    reset();
    expect(await s.deleteMany(keys, { collection: name })).toBe(100);
    expect(requests).toEqual([expect.stringMatching(/^POST \/_bulk$/)]);
    await closeClient();
  });

  it("turns refused bulk items into BulkWriteError naming the keys, keeping the others", async () => {
    const name = collection("py");
    await client.indices.create({
      index: `${prefix}-${name}`,
      mappings: pythonMappings,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    const s = store();
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 25; level++) deep = { d: deep };
    const error = await s
      .putMany(
        [
          ["fine", { n: 1 }],
          ["too-deep", deep],
          ["also-fine", { n: 2 }],
        ],
        { collection: name },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BulkWriteError);
    expect(BulkWriteError.isInstance(error)).toBe(true);
    expect(StoreError.isInstance(error)).toBe(true);
    const bulk = error as BulkWriteError;
    expect(bulk.failedKeys).toEqual(["too-deep"]);
    expect(bulk.failures[0]).toMatchObject({ key: "too-deep", status: 400 });
    expect(bulk.operation).toBe("putMany");
    expect(bulk.message).toContain("too-deep");
    expect(bulk.cause).toBe(bulk.failures);
    expect(await s.getMany(["fine", "too-deep", "also-fine"], { collection: name })).toEqual([
      { n: 1 },
      undefined,
      { n: 2 },
    ]);
  });
});

describe("ElasticsearchStore enumeration", () => {
  it("pages keys through a point in time, one search per page, and closes it", async () => {
    const { store: s, requests, reset, closeClient } = recordedStore(store, { pageSize: 10 });
    const name = collection();
    const keys = Array.from({ length: 25 }, (_, i) => `key-${String(i).padStart(2, "0")}`);
    await s.putMany(
      keys.map((key) => [key, { key }]),
      { collection: name },
    );
    reset();
    const seen: string[] = [];
    for await (const key of s.iterateKeys({ collection: name })) seen.push(key);
    expect(seen.sort()).toEqual(keys);
    expect(requests.filter((r) => r === "POST /_search")).toHaveLength(3);
    expect(requests.filter((r) => r.endsWith("/_pit"))).toHaveLength(2);

    reset();
    expect(await s.keys({ collection: name, limit: 5 })).toHaveLength(5);
    expect(requests.at(-1)).toBe("DELETE /_pit");
    await closeClient();
  });

  it("lists collections with their names as written, paging a composite aggregation", async () => {
    const isolated = freshPrefix("names");
    const s = store({ indexPrefix: isolated, pageSize: 2 });
    const names = ["Users", "a/b", "日本語", "plain", "x".repeat(300)];
    for (const name of names) await s.put("k", { name }, { collection: name });
    await s.put("expired", { n: 1 }, { collection: "only-expired", ttl: 0.001 });
    expect((await s.collections()).sort()).toEqual([...names].sort());
    expect(await s.destroy()).toBe(true);
  });
});

describe("ElasticsearchStore read-your-writes", () => {
  it("lists a write at once by default, with the index's own refresh interval", async () => {
    const s = store({ indexSettings: { number_of_shards: 1, number_of_replicas: 0 } });
    const name = collection();
    await s.put("a", { n: 1 }, { collection: name });
    expect(await s.keys({ collection: name })).toEqual(["a"]);
    await s.putMany([["b", { n: 2 }]], { collection: name });
    expect((await s.keys({ collection: name })).sort()).toEqual(["a", "b"]);
    await s.delete("a", { collection: name });
    await s.deleteMany(["b"], { collection: name });
    expect(await s.keys({ collection: name })).toEqual([]);
  });

  it("reads a key back at once with refresh: false (gets are realtime)", async () => {
    const s = store({
      refresh: false,
      indexSettings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    const name = collection();
    await s.put("a", { n: 1 }, { collection: name });
    await s.putMany([["b", { n: 2 }]], { collection: name });
    expect(await s.getMany(["a", "b"], { collection: name })).toEqual([{ n: 1 }, { n: 2 }]);
    await s.delete("a", { collection: name });
    expect(await s.get("a", { collection: name })).toBeUndefined();
  });

  it("does not wait for an index refresh by default, and still lists every write at once", async () => {
    // testIndexSettings never refresh on their own: "wait_for" would wait forever.
    const isolated = freshPrefix("slow_refresh");
    const s = store({ indexPrefix: isolated });
    const name = collection();
    await s.put("warm-up", { n: 0 }, { collection: name });
    const started = performance.now();
    await s.put("a", { n: 1 }, { collection: name });
    await s.putMany([["b", { n: 2 }]], { collection: name });
    await s.delete("warm-up", { collection: name });
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await s.keys({ collection: name })).sort()).toEqual(["a", "b"]);
    expect(await s.collections()).toEqual([name]);
    await s.deleteMany(["a"], { collection: name });
    expect(await s.keys({ collection: name })).toEqual(["b"]);
    expect(await s.destroy()).toBe(true);
  });

  it("lists writes of another store instance at once too", async () => {
    const isolated = freshPrefix("other_writer");
    const writer = store({ indexPrefix: isolated });
    const reader = store({ indexPrefix: isolated });
    const name = collection();
    expect(await reader.keys({ collection: name })).toEqual([]);
    await writer.put("a", { n: 1 }, { collection: name });
    expect(await reader.keys({ collection: name })).toEqual(["a"]);
    expect(await reader.collections()).toEqual([name]);
    await reader.destroy();
  });

  it("with refreshBeforeListing: false, lists only what the index has refreshed", async () => {
    const isolated = freshPrefix("no_listing_refresh");
    const s = store({ indexPrefix: isolated, refreshBeforeListing: false });
    const name = collection();
    await s.put("a", { n: 1 }, { collection: name });
    expect(await s.keys({ collection: name })).toEqual([]);
    await client.indices.refresh({ index: `${isolated}-${name}` });
    expect(await s.keys({ collection: name })).toEqual(["a"]);
    await s.destroy();
  });

  it('with refresh: "wait_for", returns once other clients\' searches see the write', async () => {
    const s = store({
      refresh: "wait_for",
      indexSettings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: "50ms" },
    });
    const name = collection();
    await s.put("a", { n: 1 }, { collection: name });
    await s.putMany([["b", { n: 2 }]], { collection: name });
    const { count } = await client.count({ index: `${prefix}-${name}` });
    expect(count).toBe(2);
  });

  it("keeps a TTL to the millisecond by default: ttl 30.5 reads back 30.5 s", async () => {
    const s = store({ indexSettings: { number_of_shards: 1, number_of_replicas: 0 } });
    const name = collection();
    await s.put("warm-up", { n: 0 }, { collection: name });
    // The best of three, so a slow round trip on a loaded machine does not count against the store.
    const single: number[] = [];
    const bulk: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await s.put("a", { n: 1 }, { collection: name, ttl: 30.5 });
      single.push((await s.ttl("a", { collection: name }))[1] ?? 0);
      await s.putMany([["b", { n: 2 }]], { collection: name, ttl: 30.5 });
      bulk.push((await s.ttlMany(["b"], { collection: name }))[0]?.[1] ?? 0);
    }
    for (const remaining of [Math.max(...single), Math.max(...bulk)]) {
      expect(remaining).toBeGreaterThanOrEqual(30.45);
      expect(remaining).toBeLessThanOrEqual(30.5);
    }
  });
});

describe("ElasticsearchStore maintenance", () => {
  it("culls expired documents from every collection, by the store's clock", async () => {
    const clock = new ManualClock();
    const isolated = freshPrefix("cull");
    const s = store({ indexPrefix: isolated, clock });
    await s.put("old", { n: 1 }, { collection: "one", ttl: 1 });
    await s.put("old", { n: 2 }, { collection: "two", ttl: 1 });
    await s.put("live", { n: 3 }, { collection: "two", ttl: 100 });
    await s.put("forever", { n: 4 }, { collection: "two" });
    clock.advanceSeconds(5);
    await s.cull();
    const { count } = await client.count({ index: `${isolated}-*` });
    expect(count).toBe(2);
    expect((await s.keys({ collection: "two" })).sort()).toEqual(["forever", "live"]);
    await s.destroy();
  });

  it("destroyCollection deletes the index; false when it held no document", async () => {
    const s = store();
    const name = collection();
    expect(await s.get("k", { collection: name })).toBeUndefined();
    expect(await client.indices.exists({ index: `${prefix}-${name}` })).toBe(true);
    expect(await s.destroyCollection(name)).toBe(false);
    await s.put("k", { n: 1 }, { collection: name });
    expect(await s.destroyCollection(name)).toBe(true);
    expect(await client.indices.exists({ index: `${prefix}-${name}` })).toBe(false);
    expect(await s.destroyCollection(name)).toBe(false);
  });

  it("destroy() deletes only this store's indices", async () => {
    const mine = store({ indexPrefix: freshPrefix("mine") });
    const theirs = store({ indexPrefix: otherPrefix });
    await mine.put("k", { n: 1 }, { collection: "shared-name" });
    await theirs.put("k", { n: 2 }, { collection: "shared-name" });
    expect(await mine.destroy()).toBe(true);
    const left = await client.indices.get({ index: `${mine.indexPrefix}-*` });
    expect(Object.keys(left)).toEqual([]);
    expect(await theirs.get("k", { collection: "shared-name" })).toEqual({ n: 2 });
    expect(await mine.get("k", { collection: "shared-name" })).toBeUndefined();
    expect(await mine.destroy()).toBe(false);
  });
});

describe("ElasticsearchStore setup", () => {
  it("treats an index created by someone else in the meantime as set up", async () => {
    const racing = rawClient();
    const name = collection();
    await client.indices.create({
      index: `${prefix}-${name}`,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    // As if another process created the index between this store's check and its create.
    racing.indices.exists = (async () => false) as unknown as typeof racing.indices.exists;
    const s = store({ client: racing });
    await s.put("k", { n: 1 }, { collection: name });
    expect(await s.get("k", { collection: name })).toEqual({ n: 1 });
    await racing.close();
  });

  it("lets several stores set up one new collection concurrently", async () => {
    const name = collection();
    const stores = Array.from({ length: 4 }, () => store());
    await Promise.all(stores.map((s, n) => s.put(`k${n}`, { n }, { collection: name })));
    expect((await stores[0]?.keys({ collection: name }))?.sort()).toEqual(["k0", "k1", "k2", "k3"]);
  });

  it("refuses a bad index prefix or page size with RangeError", () => {
    for (const indexPrefix of ["", "Kv", "-kv", "_kv", "kv store", "kv*", "k".repeat(101)]) {
      expect(() => store({ indexPrefix })).toThrow(RangeError);
    }
    expect(() => store({ pageSize: 0 })).toThrow(RangeError);
    expect(() => store({ pageSize: 10_001 })).toThrow(RangeError);
  });

  it("refuses collection names over 8 191 characters with InvalidKeyError, creating nothing", async () => {
    const s = store();
    const name = `huge${"-".repeat(8200)}`;
    await expect(s.put("k", { n: 1 }, { collection: name })).rejects.toThrow(InvalidKeyError);
    await expect(s.destroyCollection(name)).rejects.toThrow(InvalidKeyError);
    expect(Object.keys(await client.indices.get({ index: `${prefix}-huge*` }))).toEqual([]);
    expect(() => store({ defaultCollection: name })).toThrow(InvalidKeyError);
  });
});

describe("ElasticsearchStore errors and client ownership", () => {
  let silent: Server;
  let silentUrl = "";
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    silentUrl = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("fails with StoreConnectionError when nothing listens, even during setup", async () => {
    const s = new ElasticsearchStore({ url: "http://127.0.0.1:1", maxRetries: 1 });
    const error = await s.get("k").catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ name: "ConnectionError" });
    await expect(s.keys()).rejects.toThrow(StoreConnectionError);
    await expect(s.destroy()).rejects.toThrow(StoreConnectionError);
    await s.close();
  });

  it("fails fast on a closed loopback port: within maxRetries × retryDelayMs", async () => {
    const url = await closedPortUrl();
    const timed = async (options: { maxRetries?: number; retryDelayMs?: number }) => {
      const s = new ElasticsearchStore({ url, ...options });
      const started = performance.now();
      const error = await s.get("k").catch((caught: unknown) => caught);
      const elapsed = performance.now() - started;
      await s.close();
      expect(StoreConnectionError.isInstance(error)).toBe(true);
      expect((error as Error).cause).toMatchObject({ name: "ConnectionError" });
      return elapsed;
    };
    // Defaults: 3 retries, 100 ms apart.
    expect(await timed({})).toBeLessThan(300 + 500);
    const spaced = await timed({ maxRetries: 2, retryDelayMs: 250 });
    expect(spaced).toBeGreaterThanOrEqual(495);
    expect(spaced).toBeLessThan(500 + 500);
    expect(await timed({ maxRetries: 0 })).toBeLessThan(250);
  });

  it("succeeds on the first call after a refusing node is back, with no reconnect delay", async () => {
    const url = await closedPortUrl();
    const s = new ElasticsearchStore({ url, maxRetries: 0 });
    await expect(s.get("k")).rejects.toThrow(StoreConnectionError);
    const node = createHttpServer((request, response) => {
      const health = request.url?.startsWith("/_cluster/health") === true;
      response.writeHead(request.method === "HEAD" || health ? 200 : 404, {
        "content-type": "application/json",
        "x-elastic-product": "Elasticsearch",
      });
      if (request.method === "HEAD") response.end();
      else response.end(JSON.stringify(health ? { status: "green" } : { found: false }));
    });
    await new Promise<void>((resolve) =>
      node.listen(Number(new URL(url).port), "127.0.0.1", resolve),
    );
    try {
      expect(await s.get("k")).toBeUndefined();
    } finally {
      await s.close();
      node.closeAllConnections();
      await new Promise((resolve) => node.close(resolve));
    }
  });

  it("fails with StoreConnectionError after requestTimeoutMs when the server never answers", async () => {
    const s = new ElasticsearchStore({ url: silentUrl, requestTimeoutMs: 200, maxRetries: 0 });
    const error = await s.collections().catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ name: "TimeoutError" });
    await s.close();
  });

  it("sends the API key or basic credentials, and maps a 503 to StoreConnectionError", async () => {
    const seen: (string | undefined)[] = [];
    const unavailable = createHttpServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(503, {
        "content-type": "application/json",
        "x-elastic-product": "Elasticsearch",
      });
      response.end(JSON.stringify({ error: { type: "unavailable" }, status: 503 }));
    });
    await new Promise<void>((resolve) => unavailable.listen(0, "127.0.0.1", resolve));
    const address = unavailable.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const url = `http://127.0.0.1:${address.port}`;
    try {
      for (const auth of [{ apiKey: "c2VjcmV0" }, { username: "kv", password: "pw" }]) {
        const s = new ElasticsearchStore({ url, auth, maxRetries: 0 });
        await expect(s.get("k")).rejects.toThrow(StoreConnectionError);
        await s.close();
      }
      expect(seen).toEqual(["ApiKey c2VjcmV0", `Basic ${Buffer.from("kv:pw").toString("base64")}`]);
    } finally {
      unavailable.closeAllConnections();
      await new Promise((resolve) => unavailable.close(resolve));
    }
  });

  it("maps a refused request to StoreError, not StoreConnectionError, with the cause", async () => {
    const s = store();
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name });
    await client.indices.close({ index: `${prefix}-${name}` });
    const error = await s
      .put("k", { n: 2 }, { collection: name })
      .catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(StoreConnectionError.isInstance(error)).toBe(false);
    expect((error as StoreError).message).toContain("put");
    expect((error as Error).cause).toMatchObject({ name: "ResponseError" });
  });

  it("reports a failed index creation as StoreSetupError, and retries it on the next call", async () => {
    const s = store({ indexSettings: { number_of_shards: 0 } });
    const name = collection();
    const error = await s
      .put("k", { n: 1 }, { collection: name })
      .catch((caught: unknown) => caught);
    expect(StoreSetupError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ name: "ResponseError" });
    await expect(s.put("k", { n: 1 }, { collection: name })).rejects.toThrow(StoreSetupError);
  });

  it("leaves a borrowed client open on close()", async () => {
    const borrowed = rawClient();
    const s = store({ client: borrowed });
    await s.put("k", { n: 1 }, { collection: collection() });
    await s.close();
    await s.close();
    const health = await borrowed.cluster.health();
    expect(["green", "yellow"]).toContain(health.status);
    await borrowed.close();
  });

  it("closes the client it made on close()", async () => {
    const s = new ElasticsearchStore({
      url: elasticsearchUrl,
      indexPrefix: prefix,
      indexSettings: testIndexSettings,
    });
    await s.put("k", { n: 1 }, { collection: collection() });
    await s.close();
    await expect(s.client.cluster.health()).rejects.toThrow();
  });
});

import { type AddressInfo, createConnection, createServer, type Socket } from "node:net";
import { entryDocumentFields, storeWithExpiredEntry } from "@kv/conformance";
import { DocumentTooLargeError, MongoDbStore, type MongoDbStoreOptions } from "@kv/mongodb";
import {
  DeserializationError,
  isTransientError,
  ManualClock,
  NotACounterError,
  SerializationError,
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
} from "@kv/protocol";
import { type CommandStartedEvent, Long, MongoClient, ObjectId } from "mongodb";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freshDatabase, mongoUrl } from "./server.ts";

const client = new MongoClient(mongoUrl, { monitorCommands: true });
const started: CommandStartedEvent[] = [];
client.on("commandStarted", (event) => started.push(event));

const databases: string[] = [];
const opened: MongoDbStore[] = [];

/** A store on a database of its own, through the shared client (borrowed) unless told otherwise. */
function newStore(options: Partial<MongoDbStoreOptions> = {}): MongoDbStore {
  const databaseName = freshDatabase("store");
  databases.push(databaseName);
  const store = new MongoDbStore({ client, databaseName, ...options } as MongoDbStoreOptions);
  opened.push(store);
  return store;
}

/** The commands the store sends to its database while `action` runs, by name. */
async function commandsDuring(store: MongoDbStore, action: () => Promise<unknown>) {
  const from = started.length;
  await action();
  return started
    .slice(from)
    .filter((event) => event.databaseName === store.db.databaseName)
    .map((event) => event.commandName);
}

function raw(store: MongoDbStore, collection: string) {
  return store.db.collection(store.mongoCollectionName(collection));
}

/** A TCP relay to the test server that drops connections until `forward` is set. */
async function startRelay(target: URL) {
  const sockets = new Set<Socket>();
  const relay = { port: 0, forward: false, close: () => Promise.resolve() };
  const server = createServer((socket) => {
    if (!relay.forward) return socket.destroy();
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const end of [socket, upstream]) {
      sockets.add(end);
      end.on("error", () => undefined).on("close", () => sockets.delete(end));
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relay.port = (server.address() as { port: number }).port;
  relay.close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return relay;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const keysOf = (count: number) =>
  Array.from({ length: count }, (_, index) => `key-${String(index).padStart(4, "0")}`);

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

afterAll(async () => {
  for (const name of databases) await client.db(name).dropDatabase();
  await client.close();
});

describe("layout shared with py-key-value", () => {
  it("writes one document per entry: ObjectId _id, key, collection, version, value.object, Date timestamps", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = newStore({ clock });
    await store.put("u1", { name: "Ada", age: 36 }, { collection: "users", ttl: 3600 });
    const document = await raw(store, "users").findOne({ key: "u1" });
    expect(Object.keys(document ?? {}).sort()).toEqual(["_id", ...entryDocumentFields]);
    expect(document?._id).toBeInstanceOf(ObjectId);
    expect(document?.key).toBe("u1");
    expect(document?.collection).toBe("users");
    expect(document?.version).toBe(1);
    expect(document?.value).toEqual({ object: '{"name":"Ada","age":36}' });
    expect(document?.created_at).toEqual(new Date("2026-11-23T05:04:57.123Z"));
    expect(document?.expires_at).toEqual(new Date("2026-11-23T06:04:57.123Z"));
  });

  it("names the MongoDB collection after the collection, and omits expires_at without a TTL", async () => {
    const store = newStore();
    await store.put("k", { v: 1 }, { collection: "sessions" });
    const names = (await store.db.listCollections({}, { nameOnly: true }).toArray()).map(
      ({ name }) => name,
    );
    expect(names).toEqual(["sessions"]);
    const document = await store.db.collection("sessions").findOne({ key: "k" });
    expect(document).not.toHaveProperty("expires_at");
  });

  it("replaces the whole document on overwrite, so an old expires_at does not survive", async () => {
    const store = newStore();
    await store.put("k", { v: 1 }, { ttl: 60 });
    const before = await raw(store, "default_collection").findOne({ key: "k" });
    await store.put("k", { v: 2 });
    const after = await raw(store, "default_collection").findOne({ key: "k" });
    expect(after).not.toHaveProperty("expires_at");
    expect(after?._id).toEqual(before?._id);
    expect(await raw(store, "default_collection").countDocuments({ key: "k" })).toBe(1);
  });

  it("creates py-key-value's indexes: key_1 (unique here) and the TTL index expires_at_1", async () => {
    const store = newStore();
    await store.put("k", { v: 1 });
    const indexes = await raw(store, "default_collection").listIndexes().toArray();
    const byName = new Map(indexes.map((index) => [index.name, index]));
    expect(byName.get("key_1")).toMatchObject({ key: { key: 1 }, unique: true });
    expect(byName.get("expires_at_1")).toMatchObject({
      key: { expires_at: 1 },
      expireAfterSeconds: 0,
    });
  });

  it("reads documents as py-key-value writes them: native value.object, Date timestamps", async () => {
    const store = newStore();
    const now = Date.now();
    await store.put("seed", { v: 0 }, { collection: "py" });
    await raw(store, "py").insertMany([
      {
        _id: new ObjectId(),
        key: "native",
        collection: "py",
        version: 1,
        value: { object: { name: "Alice", age: 30, tags: ["a"], nested: { ok: true } } },
        created_at: new Date(now),
        expires_at: new Date(now + 100_000),
      },
      { key: "json-text", collection: "py", value: { object: '{"n":1}' } },
      { key: "older-string", collection: "py", value: { string: '{"n":2}' } },
    ]);
    const [native, ttl] = await store.ttl("native", { collection: "py" });
    expect(native).toEqual({ name: "Alice", age: 30, tags: ["a"], nested: { ok: true } });
    expect(ttl).toBeGreaterThan(95);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await store.getMany(["json-text", "older-string"], { collection: "py" })).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
  });

  it("throws DeserializationError for a document without a readable value", async () => {
    const store = newStore();
    await store.put("seed", { v: 0 });
    await raw(store, "default_collection").insertOne({ key: "bad", value: { other: 1 } });
    await expect(store.get("bad")).rejects.toThrow(DeserializationError);
  });

  it("shares a collection py-key-value created, keeping its non-unique key_1 index", async () => {
    const store = newStore();
    const collection = store.db.collection("shared");
    await collection.createIndex({ key: 1 }, { name: "key_1" });
    await collection.createIndex(
      { expires_at: 1 },
      { name: "expires_at_1", expireAfterSeconds: 0 },
    );
    await collection.insertOne({ key: "from-python", value: { object: { n: 1 } }, version: 1 });
    await store.put("from-typescript", { n: 2 }, { collection: "shared" });
    await store.put("from-python", { n: 3 }, { collection: "shared" });
    expect(
      await store.getMany(["from-python", "from-typescript"], { collection: "shared" }),
    ).toEqual([{ n: 3 }, { n: 2 }]);
    expect(await collection.countDocuments({ key: "from-python" })).toBe(1);
    const keyIndex = (await collection.listIndexes().toArray()).find(
      ({ name }) => name === "key_1",
    );
    expect(keyIndex?.unique).toBeUndefined();
  });

  it("stores the value as JSON text, so field names MongoDB restricts round-trip on any server", async () => {
    const store = newStore();
    const value = {
      $where: 1,
      "a.b": { "$in.x": [{ "": null }] },
      "": "empty",
      "nul\0key": "x",
      lone: "\uD800",
      // Beyond MongoDB's 100 levels, within the protocol's maximum depth.
      deep: JSON.parse(`${"[".repeat(120)}1${"]".repeat(120)}`) as unknown,
    };
    await store.put("k", value);
    expect(await store.get("k")).toEqual(value);
    const document = await raw(store, "default_collection").findOne({ key: "k" });
    expect(JSON.parse(document?.value.object)).toEqual(value);
  });
});

describe("collection names", () => {
  it("keeps names MongoDB accepts as they are", () => {
    const store = newStore();
    for (const name of ["users", "a b", "a.b", "日本語", "Case", "cache:v1", "x/y", "trailing."]) {
      expect(store.mongoCollectionName(name)).toBe(name);
    }
  });

  it("escapes %, $, control characters, a leading dot and a leading system.", () => {
    const store = newStore();
    expect(store.mongoCollectionName("100%")).toBe("100%25");
    expect(store.mongoCollectionName("$price")).toBe("%24price");
    expect(store.mongoCollectionName("a\0b\nc")).toBe("a%00b%0Ac");
    expect(store.mongoCollectionName(".hidden")).toBe("%2Ehidden");
    expect(store.mongoCollectionName("system.users")).toBe("%73ystem.users");
    expect(store.mongoCollectionName("%24price")).toBe("%2524price");
  });

  it("shortens names beyond maxCollectionNameBytes with a SHA-256 digest, keeping them apart", async () => {
    const store = newStore();
    const long = ["a", "b"].map((suffix) => `${"🙂".repeat(40)}${suffix}`);
    const names = long.map((name) => store.mongoCollectionName(name));
    expect(names[0]).not.toBe(names[1]);
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(120);
      expect(name).toMatch(/^(🙂)+%%[0-9a-f]{64}$/);
    }
    expect(Buffer.byteLength(store.mongoCollectionName("x".repeat(120)))).toBe(120);
    expect(store.mongoCollectionName("x".repeat(121))).toMatch(/^x{54}%%[0-9a-f]{64}$/);
    for (const [index, name] of long.entries()) {
      await store.put("k", { index }, { collection: name });
    }
    expect(await store.get("k", { collection: long[1] })).toEqual({ index: 1 });
    expect((await store.collections()).sort()).toEqual([...long].sort());
  });

  it("maps names that look like encodings elsewhere, so no two names meet", () => {
    const store = newStore();
    const tricky = ["$", "%24", "%2524", "a%%b", "%%", ".", "%2E", "system.x", "%73ystem.x"];
    const mapped = tricky.map((name) => store.mongoCollectionName(name));
    expect(new Set(mapped).size).toBe(tricky.length);
  });

  it("follows maxCollectionNameBytes, and refuses values outside 80 to 255 with RangeError", () => {
    const store = newStore({ maxCollectionNameBytes: 200 });
    expect(store.mongoCollectionName("y".repeat(200))).toBe("y".repeat(200));
    for (const bad of [79, 256, 100.5, Number.NaN]) {
      expect(() => newStore({ maxCollectionNameBytes: bad })).toThrow(RangeError);
    }
  });
});

describe("native bulk calls", () => {
  it("sends one find for getMany and ttlMany, one update for putMany and one delete for deleteMany", async () => {
    const store = newStore();
    const keys = keysOf(250);
    await store.put("warm-up", { n: 0 });
    const put = await commandsDuring(store, () =>
      store.putMany(
        keys.map((key) => [key, { key }]),
        { ttl: 60 },
      ),
    );
    const get = await commandsDuring(store, () => store.getMany([...keys, "missing"]));
    const ttl = await commandsDuring(store, () => store.ttlMany(keys));
    const removed = await commandsDuring(store, async () => {
      expect(await store.deleteMany([...keys, "missing"])).toBe(250);
    });
    expect({ put, get, ttl, removed }).toEqual({
      put: ["update"],
      get: ["find"],
      ttl: ["find"],
      removed: ["delete"],
    });
  });

  it("sends one command for each single call, after one createIndexes per collection", async () => {
    const store = newStore();
    const first = await commandsDuring(store, () => store.put("k", { n: 1 }));
    const rest = await commandsDuring(store, async () => {
      await store.get("k");
      await store.put("k", { n: 2 });
      await store.delete("k");
    });
    expect(first).toEqual(["createIndexes", "update"]);
    expect(rest).toEqual(["find", "update", "delete"]);
  });

  it("pages through keys with one cursor: 2 500 keys take one find and two getMore", async () => {
    const store = newStore();
    const keys = keysOf(2500);
    await store.putMany(keys.map((key) => [key, { key }]));
    const seen: string[] = [];
    const commands = await commandsDuring(store, async () => {
      for await (const key of store.iterateKeys()) seen.push(key);
    });
    expect(seen.sort()).toEqual(keys);
    expect(commands).toEqual(["find", "getMore", "getMore"]);
  });
});

describe("expiry without a TTL monitor", () => {
  it("never returns, lists or counts an expired document the server still holds; cull removes it", async () => {
    const store = await storeWithExpiredEntry((clock) => newStore({ clock }));
    expect(await store.get("short")).toBeUndefined();
    expect(await store.ttlMany(["short", "forever"])).toEqual([
      [undefined, undefined],
      [{ n: 2 }, undefined],
    ]);
    expect(await store.keys()).toEqual(["forever"]);
    expect(await store.delete("short")).toBe(false);
    expect(await store.deleteMany(["short", "forever"])).toBe(1);
    expect(await raw(store, "default_collection").countDocuments({ key: "short" })).toBe(1);
    await store.cull();
    expect(await raw(store, "default_collection").countDocuments({})).toBe(0);
  });

  it("does not list a collection whose entries have all expired", async () => {
    const clock = new ManualClock();
    const store = newStore({ clock });
    await store.put("k", { n: 1 }, { collection: "expiring", ttl: 1 });
    await store.put("k", { n: 1 }, { collection: "lasting" });
    clock.advanceSeconds(2);
    expect(await store.collections()).toEqual(["lasting"]);
  });
});

describe("collections, destroyCollection and destroy in a shared database", () => {
  async function withForeignData(store: MongoDbStore) {
    await store.db.collection("orders").insertOne({ order: 1 });
    await store.db.collection("look-alike").insertOne({ key: "k", value: 1, collection: "other" });
    await store.db.createCollection("empty-app");
  }

  it("lists only collections holding this layout's entries, by their own names", async () => {
    const store = newStore();
    await withForeignData(store);
    await store.put("k", { n: 1 }, { collection: "users" });
    await store.put("k", { n: 1 }, { collection: "$weird name" });
    await store.get("k", { collection: "read-only" });
    expect((await store.collections()).sort()).toEqual(["$weird name", "users"]);
  });

  it("destroy() drops this layout's collections and leaves other data alone", async () => {
    const store = newStore();
    await withForeignData(store);
    await store.put("k", { n: 1 }, { collection: "users" });
    await store.get("k", { collection: "read-only" });
    expect(await store.destroy()).toBe(true);
    const left = (await store.db.listCollections({}, { nameOnly: true }).toArray())
      .map(({ name }) => name)
      .sort();
    expect(left).toEqual(["empty-app", "look-alike", "orders"]);
    expect(await store.destroy()).toBe(false);
    await store.put("k", { n: 2 }, { collection: "users" });
    expect(await store.get("k", { collection: "users" })).toEqual({ n: 2 });
  });

  it("destroyCollection drops the MongoDB collection, and never creates one", async () => {
    const store = newStore();
    await store.put("k", { n: 1 }, { collection: "doomed" });
    expect(await store.destroyCollection("doomed")).toBe(true);
    expect(await store.destroyCollection("never-written")).toBe(false);
    expect(await store.db.listCollections({}, { nameOnly: true }).toArray()).toEqual([]);
  });
});

describe("client ownership", () => {
  it("closes the client it made from a connection string, and never reconnects it", async () => {
    const store = newStore({ client: undefined, url: mongoUrl } as Partial<MongoDbStoreOptions>);
    await store.put("k", { n: 1 });
    await store.close();
    await expect(store.db.command({ ping: 1 })).rejects.toThrow();
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(StoreClosedError.isInstance(error)).toBe(true);
    expect(isTransientError(error)).toBe(false);
    await expect(store.db.command({ ping: 1 })).rejects.toThrow();
  });

  it("leaves a borrowed client or database open", async () => {
    const borrowedClient = newStore();
    const borrowedDb = new MongoDbStore({ db: client.db(freshDatabase("borrowed-db")) });
    opened.push(borrowedDb);
    for (const store of [borrowedClient, borrowedDb]) {
      await store.put("k", { n: 1 });
      await store.close();
      expect(await store.db.command({ ping: 1 })).toMatchObject({ ok: 1 });
    }
    await borrowedDb.db.dropDatabase();
  });

  it("uses py-key-value's database name by default", () => {
    const store = new MongoDbStore({ client });
    expect(store.db.databaseName).toBe("kv-store-adapter");
  });
});

describe("limits and errors", () => {
  it("refuses a document over 16 MiB with DocumentTooLargeError, sending nothing", async () => {
    const store = newStore();
    await store.put("small", { n: 1 });
    const huge = { blob: "x".repeat(16 * 1024 * 1024) };
    let error: unknown;
    const commands = await commandsDuring(store, async () => {
      error = await store.put("huge", huge).catch((caught: unknown) => caught);
      await expect(
        store.putMany([
          ["fine", { n: 1 }],
          ["huge", huge],
        ]),
      ).rejects.toThrow(DocumentTooLargeError);
    });
    expect(commands).toEqual([]);
    expect(DocumentTooLargeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: "DOCUMENT_TOO_LARGE",
      limit: 16 * 1024 * 1024,
      key: "huge",
    });
    expect((error as DocumentTooLargeError).size).toBeGreaterThan(16 * 1024 * 1024);
    expect(StoreError.isInstance(error)).toBe(false);
    expect(await store.getMany(["huge", "fine"])).toEqual([undefined, undefined]);
  });

  it("keeps DocumentTooLargeError's message and fields", () => {
    const error = new DocumentTooLargeError({ key: "k", size: 17_000_000, limit: 16_777_216 });
    expect(error).toMatchObject({ name: "DocumentTooLargeError", transient: false });
    expect(error.message).toBe(
      "Document of 17000000 bytes exceeds MongoDB's limit of 16777216 bytes (key: k)",
    );
  });

  it("stores a 15 MiB value", async () => {
    const store = newStore();
    const value = { blob: "y".repeat(15 * 1024 * 1024) };
    await store.put("big", value);
    expect(await store.get("big")).toEqual(value);
  });

  it("fails with StoreConnectionError, the driver's error as cause, when no server answers", async () => {
    const store = newStore({
      client: undefined,
      url: "mongodb://127.0.0.1:1/?directConnection=true",
      timeoutMs: 300,
    } as Partial<MongoDbStoreOptions>);
    for (const call of [
      () => store.get("k"),
      () => store.putMany([["k", { n: 1 }]]),
      () => store.keys(),
      () => store.collections(),
      () => store.destroyCollection("c"),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect((error as StoreConnectionError).cause).toMatchObject({
        name: "MongoServerSelectionError",
      });
    }
  });

  it("fails the first call to a closed loopback port within serverSelectionTimeoutMs (3 s by default)", async () => {
    const store = newStore({
      client: undefined,
      url: `mongodb://127.0.0.1:${await closedPort()}/?directConnection=true`,
    } as Partial<MongoDbStoreOptions>);
    const started = Date.now();
    const error = await store.get("k").catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect(isTransientError(error)).toBe(true);
    expect(elapsed).toBeLessThan(3000 + 1000);
  });

  it("gives the driver connectTimeoutMs and serverSelectionTimeoutMs, timeoutMs filling in either", () => {
    const driverTimeouts = (options: Partial<MongoDbStoreOptions>) => {
      const store = newStore({ client: undefined, url: mongoUrl, ...options });
      const { serverSelectionTimeoutMS, connectTimeoutMS } = store.db.client.options;
      return [serverSelectionTimeoutMS, connectTimeoutMS];
    };
    expect(driverTimeouts({})).toEqual([3000, 2000]);
    expect(driverTimeouts({ timeoutMs: 700 })).toEqual([700, 700]);
    expect(driverTimeouts({ timeoutMs: 700, connectTimeoutMs: 250 })).toEqual([700, 250]);
    expect(driverTimeouts({ serverSelectionTimeoutMs: 400 })).toEqual([400, 2000]);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => driverTimeouts({ connectTimeoutMs: bad })).toThrow(RangeError);
      expect(() => driverTimeouts({ serverSelectionTimeoutMs: bad })).toThrow(RangeError);
    }
  });

  it("connects again on the next call after the server was unreachable", async () => {
    const relay = await startRelay(new URL(mongoUrl));
    try {
      const store = newStore({
        client: undefined,
        url: `mongodb://127.0.0.1:${relay.port}/?directConnection=true`,
        timeoutMs: 300,
      } as Partial<MongoDbStoreOptions>);
      await expect(store.put("k", { n: 1 })).rejects.toThrow(StoreConnectionError);
      relay.forward = true;
      await store.put("k", { n: 1 });
      expect(await store.get("k")).toEqual({ n: 1 });
    } finally {
      await relay.close();
    }
  });

  it("maps server refusals to StoreError with the driver's error as cause", async () => {
    const store = newStore();
    await store.put("a", { same: true });
    await raw(store, "default_collection").createIndex({ "value.object": 1 }, { unique: true });
    const single = await store.put("b", { same: true }).catch((caught: unknown) => caught);
    const bulk = await store.putMany([["c", { same: true }]]).catch((caught: unknown) => caught);
    for (const error of [single, bulk]) {
      expect(StoreError.isInstance(error)).toBe(true);
      expect(StoreConnectionError.isInstance(error)).toBe(false);
      expect((error as StoreError).cause).toMatchObject({ code: 11000 });
    }
    expect(single).toMatchObject({ operation: "put", key: "b" });
  });

  it("refuses values JSON cannot hold before sending anything", async () => {
    const store = newStore();
    await expect(store.put("k", { n: 10n } as never)).rejects.toThrow(SerializationError);
  });
});

describe("putIfAbsent", () => {
  it("is one upsert that replaces only an expired document, the unique key_1 refusing a live one", async () => {
    const clock = new ManualClock();
    const store = newStore({ clock });
    await store.put("k", { n: 1 }, { ttl: 10 });
    const refused = await commandsDuring(store, async () => {
      expect(await store.putIfAbsent("k", { n: 2 })).toBe(false);
    });
    clock.advanceSeconds(11);
    const replaced = await commandsDuring(store, async () => {
      expect(await store.putIfAbsent("k", { n: 3 })).toBe(true);
    });
    expect({ refused, replaced }).toEqual({ refused: ["update"], replaced: ["update"] });
    expect(await raw(store, "default_collection").countDocuments({ key: "k" })).toBe(1);
    expect(await store.ttl("k")).toEqual([{ n: 3 }, undefined]);
  });

  it("reports a duplicate on another unique index as StoreError, not as a present key", async () => {
    const store = newStore();
    await store.put("a", { same: true });
    await raw(store, "default_collection").createIndex({ "value.object": 1 }, { unique: true });
    const error = await store.putIfAbsent("b", { same: true }).catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).cause).toMatchObject({ code: 11000 });
  });

  it("refuses, with increment, a collection whose key_1 py-key-value made non-unique", async () => {
    const store = newStore();
    const collection = store.db.collection("shared");
    await collection.createIndex({ key: 1 }, { name: "key_1" });
    await store.put("k", { count: 1 }, { collection: "shared" });
    for (const call of [
      () => store.putIfAbsent("new", { n: 1 }, { collection: "shared" }),
      () => store.increment("k", { collection: "shared" }),
    ]) {
      await expect(call()).rejects.toSatisfy(StoreConfigurationError.isInstance);
    }
    expect(await collection.countDocuments({})).toBe(1);
    expect(await store.get("k", { collection: "shared" })).toEqual({ count: 1 });
  });
});

describe("versions", () => {
  it("keeps the version as an ObjectId in value.revision, given on the first versioned read", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const first = await commandsDuring(store, () => store.getVersioned("k"));
    const document = await raw(store, "default_collection").findOne({ key: "k" });
    expect(Object.keys(document?.value ?? {})).toEqual(["object", "revision"]);
    expect(document?.value.revision).toBeInstanceOf(ObjectId);
    let again: unknown;
    const second = await commandsDuring(store, async () => {
      again = await store.getVersioned("k");
    });
    expect({ first, second }).toEqual({ first: ["find", "findAndModify"], second: ["find"] });
    expect((again as { version: string }).version).toContain(
      document?.value.revision.toHexString(),
    );
  });

  it("writes with one conditional command each, putIfVersion giving a new revision", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const read = await store.getVersioned("k");
    const put = await commandsDuring(store, async () => {
      expect(await store.putIfVersion("k", { n: 2 }, read?.version ?? "")).toBe(true);
    });
    const next = await store.getVersioned("k");
    expect(next?.version).not.toBe(read?.version);
    const removed = await commandsDuring(store, async () => {
      expect(await store.deleteIfVersion("k", next?.version ?? "")).toBe(true);
    });
    expect({ put, removed }).toEqual({ put: ["update"], removed: ["delete"] });
  });

  it("refuses a version after a write in py-key-value's form, which sets value whole", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const read = await store.getVersioned("k");
    await raw(store, "default_collection").updateOne(
      { key: "k" },
      {
        $set: {
          key: "k",
          collection: "default_collection",
          version: 1,
          value: { object: { n: 1 } },
          created_at: new Date(),
        },
      },
    );
    expect(await store.putIfVersion("k", { n: 9 }, read?.version ?? "")).toBe(false);
    expect(await store.deleteIfVersion("k", read?.version ?? "")).toBe(false);
    expect(await store.get("k")).toEqual({ n: 1 });
  });

  it("refuses a version after touch or increment, which drop the revision", async () => {
    const store = newStore();
    await store.put("t", { n: 1 });
    await store.put("c", { count: 1 });
    const touched = await store.getVersioned("t");
    const counted = await store.getVersioned("c");
    await store.touch("t", { ttl: 60 });
    await store.increment("c");
    expect(await store.putIfVersion("t", { n: 2 }, touched?.version ?? "")).toBe(false);
    expect(await store.putIfVersion("c", { n: 2 }, counted?.version ?? "")).toBe(false);
  });

  it("checks expiry on the server: an expired document it still holds is neither read nor written", async () => {
    const clock = new ManualClock();
    const store = newStore({ clock });
    await store.put("k", { n: 1 }, { ttl: 10 });
    const read = await store.getVersioned("k");
    clock.advanceSeconds(11);
    expect(await store.getVersioned("k")).toBeUndefined();
    expect(await store.putIfVersion("k", { n: 2 }, read?.version ?? "")).toBe(false);
    expect(await store.deleteIfVersion("k", read?.version ?? "")).toBe(false);
    expect(await store.touch("k", { ttl: 60 })).toBe(false);
    const document = await raw(store, "default_collection").findOne({ key: "k" });
    expect(document?.value.object).toBe('{"n":1}');
  });
});

describe("increment", () => {
  /** The stored document, int64 values left as `Long`. */
  const stored = (store: MongoDbStore, key: string) =>
    raw(store, "default_collection").findOne({ key }, { promoteLongs: false });

  it("stores a counter in py-key-value's native layout: value.object { count: int64 }", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = newStore({ clock });
    await store.increment("hits", { by: 41, ttl: 60 });
    await store.increment("hits");
    const document = await stored(store, "hits");
    expect(document?.value).toEqual({ object: { count: Long.fromNumber(42) } });
    expect(document).toMatchObject({
      key: "hits",
      collection: "default_collection",
      version: 1,
      created_at: new Date("2026-11-23T05:04:57.123Z"),
      expires_at: new Date("2026-11-23T05:05:57.123Z"),
    });
    expect(await store.get("hits")).toEqual({ count: 42 });
  });

  it("adds with one findAndModify ($inc); a new counter takes one more update (an upsert)", async () => {
    const store = newStore();
    await store.put("warm-up", { n: 0 });
    const created = await commandsDuring(store, () => store.increment("c"));
    const added = await commandsDuring(store, () => store.increment("c", { by: 5 }));
    expect({ created, added }).toEqual({
      created: ["findAndModify", "update"],
      added: ["findAndModify"],
    });
    expect(await store.get("c")).toEqual({ count: 6 });
  });

  it("adds to a counter py-key-value wrote (an int32 count) with $inc, keeping its timestamps", async () => {
    const store = newStore();
    await store.put("warm-up", { n: 0 });
    const createdAt = new Date(Date.now() - 1000);
    const expiresAt = new Date(Date.now() + 60_000);
    await raw(store, "default_collection").insertOne({
      key: "py",
      collection: "default_collection",
      version: 1,
      value: { object: { count: 5 } },
      created_at: createdAt,
      expires_at: expiresAt,
    });
    const commands = await commandsDuring(store, async () => {
      expect(await store.increment("py", { ttl: 3600 })).toBe(6);
    });
    expect(commands).toEqual(["findAndModify"]);
    expect(await stored(store, "py")).toMatchObject({
      value: { object: { count: Long.fromNumber(6) } },
      created_at: createdAt,
      expires_at: expiresAt,
    });
  });

  it("rewrites a counter stored as JSON text into the native form once, while it is unchanged", async () => {
    const store = newStore();
    await store.put("c", { count: 41 }, { ttl: 60 });
    const before = await stored(store, "c");
    const first = await commandsDuring(store, async () => {
      expect(await store.increment("c")).toBe(42);
    });
    const after = await stored(store, "c");
    expect(after?.value).toEqual({ object: { count: Long.fromNumber(42) } });
    expect(after?.created_at).toEqual(before?.created_at);
    expect(after?.expires_at).toEqual(before?.expires_at);
    const next = await commandsDuring(store, () => store.increment("c"));
    expect({ first, next }).toEqual({
      first: ["findAndModify", "update", "find", "update"],
      next: ["findAndModify"],
    });
  });

  it("throws NotACounterError and leaves the document exactly as it was on the server", async () => {
    const store = newStore();
    await store.put("text", { name: "x" });
    await store.put("fraction", { count: 1.5 });
    await raw(store, "default_collection").insertMany([
      { key: "more-members", value: { object: { count: Long.fromNumber(3), other: 1 } } },
      { key: "not-integer", value: { object: { count: 2.5 } } },
      { key: "at-limit", value: { object: { count: Long.fromNumber(Number.MAX_SAFE_INTEGER) } } },
      { key: "array", value: { object: [{ count: Long.fromNumber(1) }] } },
    ]);
    for (const key of ["text", "fraction", "more-members", "not-integer", "at-limit", "array"]) {
      const before = await stored(store, key);
      const refusal =
        key === "array" ? DeserializationError.isInstance : NotACounterError.isInstance;
      await expect(store.increment(key)).rejects.toSatisfy(refusal);
      expect(await stored(store, key)).toEqual(before);
    }
    expect(await store.increment("at-limit", { by: -1 })).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it("refreshes or clears the expiry in the same $inc when asked", async () => {
    const clock = new ManualClock();
    const store = newStore({ clock });
    await store.increment("c", { ttl: 10 });
    clock.advanceSeconds(5);
    const refreshed = await commandsDuring(store, () =>
      store.increment("c", { ttl: 100, refreshTtl: true }),
    );
    expect(refreshed).toEqual(["findAndModify"]);
    expect((await store.ttl("c"))[1]).toBe(100);
    await store.increment("c", { refreshTtl: true });
    expect(await store.ttl("c")).toEqual([{ count: 3 }, undefined]);
    expect(await stored(store, "c")).not.toHaveProperty("expires_at");
  });
});

describe("touch", () => {
  it("is one update of expires_at that leaves the value and created_at alone", async () => {
    const store = newStore();
    await store.put("k", { n: 1 }, { ttl: 10 });
    const before = await raw(store, "default_collection").findOne({ key: "k" });
    const commands = await commandsDuring(store, async () => {
      expect(await store.touch("k", { ttl: 3600 })).toBe(true);
    });
    const after = await raw(store, "default_collection").findOne({ key: "k" });
    expect(commands).toEqual(["update"]);
    expect(after?.value).toEqual(before?.value);
    expect(after?.created_at).toEqual(before?.created_at);
    expect(after?.expires_at.getTime()).toBeGreaterThan(before?.expires_at.getTime() + 3_000_000);
  });
});

import { existsSync } from "node:fs";
import { storeWithExpiredEntry, temporaryPaths } from "@kv/conformance";
import { LevelDbStore } from "@kv/leveldb";
import {
  DeserializationError,
  ManualClock,
  NotACounterError,
  parseTimestamp,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  serializeEntry,
} from "@kv/protocol";
import { ClassicLevel } from "classic-level";
import { afterEach, describe, expect, it, vi } from "vitest";
import { locksOf } from "../src/key-locks.ts";

const freshLocation = temporaryPaths("kv-leveldb-spec-");
const opened: ClassicLevel<string, string>[] = [];

function openDatabase(location = freshLocation()): ClassicLevel<string, string> {
  const db = new ClassicLevel<string, string>(location);
  opened.push(db);
  return db;
}

/**
 * Starts `write` once the next native `method` call has read, and holds that read's result for
 * 30 ms, long enough for a write that does not wait to land first; resolves to `write`'s result.
 */
function duringNextRead(
  db: ClassicLevel<string, string>,
  method: "get" | "getMany",
  write: () => Promise<unknown>,
): Promise<unknown> {
  const read = db[method].bind(db) as (...args: unknown[]) => Promise<unknown>;
  return new Promise((resolve, reject) => {
    vi.spyOn(db, method).mockImplementationOnce((async (...args: unknown[]) => {
      const result = await read(...args);
      write().then(resolve, reject);
      await new Promise((wait) => setTimeout(wait, 30));
      return result;
    }) as never);
  });
}

async function rawEntries(db: ClassicLevel<string, string>): Promise<[string, string][]> {
  return db.iterator({ keyEncoding: "utf8", valueEncoding: "utf8" }).all();
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const db of opened.splice(0)) await db.close();
});

describe("LevelDbStore layout", () => {
  it("stores <id>:<key> -> py-key-value's entry document, and !collection!<name> -> <id>", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 60 });
    await store.put("s1", { user: "u1" }, { collection: "sessions" });
    const records = new Map(await rawEntries(db));
    expect([...records.keys()]).toEqual([
      "!collection!sessions",
      "!collection!users",
      "!sequence",
      "1:u1",
      "2:s1",
    ]);
    expect(records.get("!collection!users")).toBe("1");
    expect(records.get("!sequence")).toBe("2");
    const text = records.get("1:u1") ?? "";
    const document = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual(["created_at", "expires_at", "value", "version"]);
    expect(document).toMatchObject({ value: { name: "Ada" }, version: 1 });
    expect(text).toBe(
      serializeEntry({
        value: { name: "Ada" },
        createdAt: parseTimestamp(document.created_at),
        expiresAt: parseTimestamp(document.expires_at),
      }),
    );
  });

  it("gives separator-laden names their own ids, so no two pairs share a key", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("c", { n: 1 }, { collection: "a::b" });
    await store.put("b::c", { n: 2 }, { collection: "a" });
    expect((await rawEntries(db)).map(([key]) => key)).toEqual([
      "!collection!a",
      "!collection!a::b",
      "!sequence",
      "1:c",
      "2:b::c",
    ]);
    expect(await store.collections()).toEqual(["a", "a::b"]);
    expect(await store.keys({ collection: "a" })).toEqual(["b::c"]);
    expect(await store.keys({ collection: "a::b" })).toEqual(["c"]);
  });

  it("keeps the ranges of 40 collections apart (ids 1 … 14 in base 36)", async () => {
    const store = new LevelDbStore({ client: openDatabase() });
    const names = Array.from({ length: 40 }, (_, index) => `c${index}`);
    for (const collection of names) {
      await store.putMany(
        [
          ["k", { collection }],
          ["k:x", { collection }],
        ],
        { collection },
      );
    }
    for (const collection of names) {
      expect((await store.keys({ collection })).sort()).toEqual(["k", "k:x"]);
    }
    expect(await store.destroyCollection("c1")).toBe(true);
    expect(await store.get("k", { collection: "c10" })).toEqual({ collection: "c10" });
    expect((await store.collections()).sort()).toEqual(names.filter((n) => n !== "c1").sort());
  });

  it("agrees on ids across stores sharing a database, even when they race", async () => {
    const db = openDatabase();
    const first = new LevelDbStore({ client: db });
    const second = new LevelDbStore({ client: db });
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? first : second).put(
          `k${index}`,
          { index },
          {
            collection: `c${index % 5}`,
          },
        ),
      ),
    );
    const ids = (await rawEntries(db)).filter(([key]) => key.startsWith("!collection!"));
    expect(ids.map(([, id]) => id).sort()).toEqual(["1", "2", "3", "4", "5"]);
    for (let index = 0; index < 20; index++) {
      expect(await first.get(`k${index}`, { collection: `c${index % 5}` })).toEqual({ index });
    }
    const reopened = new LevelDbStore({ client: db });
    expect(await reopened.keys({ collection: "c0" })).toEqual(["k0", "k10", "k15", "k5"]);
  });

  it("registers nothing for reads, deletes or listings of a collection never written", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    expect(await store.get("k", { collection: "ghost" })).toBeUndefined();
    expect(await store.getMany(["k"], { collection: "ghost" })).toEqual([undefined]);
    expect(await store.delete("k", { collection: "ghost" })).toBe(false);
    expect(await store.keys({ collection: "ghost" })).toEqual([]);
    expect(await store.destroyCollection("ghost")).toBe(false);
    expect(await rawEntries(db)).toEqual([]);
  });
});

describe("LevelDbStore native bulk calls", () => {
  const readers: [string, (store: LevelDbStore, keys: string[]) => Promise<unknown[]>, number][] = [
    ["getMany", (store, keys) => store.getMany(keys), 0],
    ["100 concurrent gets", (store, keys) => Promise.all(keys.map((key) => store.get(key))), 1],
  ];
  it.each(readers)(
    "answers %s with one native getMany and %i native get",
    async (_, read, gets) => {
      const db = openDatabase();
      const store = new LevelDbStore({ client: db });
      await store.putMany(Array.from({ length: 100 }, (_, index) => [`k${index}`, { index }]));
      const getMany = vi.spyOn(db, "getMany");
      const get = vi.spyOn(db, "get");
      const keys = Array.from({ length: 100 }, (_, index) => `k${index}`);
      expect(await read(store, keys)).toEqual(keys.map((_, index) => ({ index })));
      expect(getMany).toHaveBeenCalledTimes(1);
      expect(get).toHaveBeenCalledTimes(gets);
      expect(await store.get("k7")).toEqual({ index: 7 });
      expect(getMany).toHaveBeenCalledTimes(1);
      expect(get).toHaveBeenCalledTimes(gets + 1);
    },
  );

  it("writes putMany as one atomic batch, even the one that registers its collection", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    const batch = vi.spyOn(db, "batch");
    const put = vi.spyOn(db, "put");
    await store.putMany(Array.from({ length: 100 }, (_, index) => [`k${index}`, { index }]));
    expect(batch).toHaveBeenCalledTimes(1);
    expect(put).not.toHaveBeenCalled();
    expect(await rawEntries(db)).toHaveLength(100 + 2);
    await store.putMany([["k0", { again: true }]]);
    expect(batch).toHaveBeenCalledTimes(2);
  });

  it("deletes deleteMany with one getMany (to count) and one batch", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.putMany(Array.from({ length: 10 }, (_, index) => [`k${index}`, { index }]));
    const batch = vi.spyOn(db, "batch");
    const getMany = vi.spyOn(db, "getMany");
    expect(await store.deleteMany(["k1", "k2", "missing"])).toBe(2);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(batch).toHaveBeenCalledTimes(1);
  });

  it("waits for a borrowed database its owner is reopening, for single and bulk writes", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("k", { n: 1 });
    await db.close();
    const reopening = db.open();
    expect(db.status).toBe("opening");
    await Promise.all([store.putMany([["a", { n: 2 }]]), store.put("b", { n: 3 })]);
    await reopening;
    expect(await store.getMany(["k", "a", "b"])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("passes sync to every write when asked", async () => {
    const db = openDatabase();
    await db.open();
    const probe = db.batch();
    const write = vi.spyOn(Object.getPrototypeOf(probe) as typeof probe, "write");
    await probe.close();
    const store = new LevelDbStore({ client: db, sync: true });
    const put = vi.spyOn(db, "put");
    await store.putMany([["b", { n: 2 }]]);
    await store.put("a", { n: 1 });
    expect((write.mock.calls[0] as unknown[] | undefined)?.[0]).toMatchObject({ sync: true });
    expect((put.mock.calls[0] as unknown[] | undefined)?.[2]).toMatchObject({ sync: true });
  });

  it("enumerates a collection with one range iterator", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.putMany([["k", { n: 1 }]], { collection: "c" });
    const iterator = vi.spyOn(db, "iterator");
    expect(await store.keys({ collection: "c" })).toEqual(["k"]);
    expect(iterator).toHaveBeenCalledTimes(1);
    expect((iterator.mock.calls[0] as unknown[] | undefined)?.[0]).toMatchObject({
      gte: "1:",
      lt: "1;",
    });
  });
});

describe("LevelDbStore expiry", () => {
  it("culls expired entries in batches of 1 000 and keeps live ones", async () => {
    const db = openDatabase();
    const clock = new ManualClock();
    const store = new LevelDbStore({ client: db, clock });
    const expiring = Array.from({ length: 2500 }, (_, index) => [`e${index}`, { index }] as const);
    await store.putMany(expiring, { ttl: 10 });
    await store.putMany([["live", { n: 1 }]], { ttl: 100 });
    await store.put("forever", { n: 2 }, { collection: "other" });
    clock.advanceSeconds(11);
    const batch = vi.spyOn(db, "batch");
    await store.cull();
    expect(batch).toHaveBeenCalledTimes(3);
    expect(
      (await rawEntries(db)).map(([key]) => key).filter((key) => !key.startsWith("!")),
    ).toEqual(["1:live", "2:forever"]);
  });

  it("leaves expired entries out of keys() before they are culled", async () => {
    const store = await storeWithExpiredEntry(
      (clock) => new LevelDbStore({ client: openDatabase(), clock }),
    );
    expect(await store.keys()).toEqual(["forever"]);
    expect(await store.delete("short")).toBe(false);
  });
});

describe("LevelDbStore database ownership", () => {
  it("opens its database on first use, closes it on close(), and refuses use after that", async () => {
    const location = freshLocation();
    const store = new LevelDbStore({ location });
    expect(existsSync(location)).toBe(false);
    await store.put("k", { n: 1 });
    expect(existsSync(location)).toBe(true);
    await store.close();
    const reader = openDatabase(location);
    await reader.open();
    expect(await reader.get("1:k")).toContain('"value":{"n":1}');
    await reader.close();
    await store.close();
    await expect(store.get("k")).rejects.toBeInstanceOf(StoreClosedError);
    const reopened = new LevelDbStore({ location });
    expect(await reopened.get("k")).toEqual({ n: 1 });
    await reopened.close();
  });

  it("never closes a borrowed database, whatever its default encodings", async () => {
    const db = new ClassicLevel<string, unknown>(freshLocation(), { valueEncoding: "json" });
    const store = new LevelDbStore({ client: db as ClassicLevel<string, string> });
    await store.put("k", { n: 1 });
    await store.close();
    await store.close();
    expect(db.status).toBe("open");
    await expect(store.get("k")).rejects.toBeInstanceOf(StoreClosedError);
    expect(await new LevelDbStore({ client: db as ClassicLevel<string, string> }).get("k")).toEqual(
      {
        n: 1,
      },
    );
    expect(await db.get("1:k")).toMatchObject({ value: { n: 1 }, version: 1 });
    await db.close();
  });

  it("refuses options with neither location nor client", () => {
    expect(() => new LevelDbStore({} as { location: string })).toThrow(TypeError);
  });
});

describe("LevelDbStore errors", () => {
  it("reports a database locked by another store as StoreConnectionError, then recovers", async () => {
    const location = freshLocation();
    const first = new LevelDbStore({ location });
    await first.put("k", { n: 1 });
    const second = new LevelDbStore({ location });
    const error = await second.get("k").catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    const cause = (error as Error).cause as { code?: string; cause?: { code?: string } };
    expect(cause.code).toBe("LEVEL_DATABASE_NOT_OPEN");
    expect(cause.cause?.code).toBe("LEVEL_LOCKED");
    await first.close();
    expect(await second.get("k")).toEqual({ n: 1 });
    await second.close();
  });

  it("reports a use of a closed borrowed database as StoreConnectionError with the cause", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("k", { n: 1 });
    await db.close();
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect(((error as Error).cause as { code?: string }).code).toBe("LEVEL_DATABASE_NOT_OPEN");
  });

  it("throws DeserializationError for a value that is not an entry document", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("good", { n: 1 });
    await db.put("1:bad", "not json");
    const error = await store.get("bad").catch((caught: unknown) => caught);
    expect(DeserializationError.isInstance(error)).toBe(true);
    expect(StoreError.isInstance(error)).toBe(false);
  });
});

describe("LevelDbStore atomic operations", () => {
  it("stores a counter as py-key-value's entry document of { count }", async () => {
    const db = openDatabase();
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = new LevelDbStore({ client: db, clock });
    await store.increment("hits", { collection: "c", ttl: 60 });
    clock.advance(5);
    expect(await store.increment("hits", { collection: "c", by: 2 })).toBe(3);
    expect(await db.get("1:hits")).toBe(
      '{"created_at":"2026-11-23T05:04:57.123000+00:00","expires_at":"2026-11-23T05:05:57.123000+00:00","value":{"count":3},"version":1}',
    );
  });

  it("leaves the stored document byte for byte unchanged on NotACounterError", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("v", { count: Number.MAX_SAFE_INTEGER });
    await store.put("w", { count: 1, other: true });
    const before = await rawEntries(db);
    for (const key of ["v", "w"]) {
      const error = await store.increment(key).catch((caught: unknown) => caught);
      expect(NotACounterError.isInstance(error)).toBe(true);
    }
    expect(await rawEntries(db)).toEqual(before);
  });

  it("touch rewrites only expires_at, keeping the value's text and created_at", async () => {
    const db = openDatabase();
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = new LevelDbStore({ client: db, clock });
    await store.put("k", { name: "Ada", n: [1, 2] }, { ttl: 10 });
    clock.advanceSeconds(5);
    expect(await store.touch("k", { ttl: 100 })).toBe(true);
    expect(await db.get("1:k")).toBe(
      '{"created_at":"2026-11-23T05:04:57.123000+00:00","expires_at":"2026-11-23T05:06:42.123000+00:00","value":{"name":"Ada","n":[1,2]},"version":1}',
    );
    expect(await store.touch("k", { ttl: undefined })).toBe(true);
    expect(await db.get("1:k")).toBe(
      '{"created_at":"2026-11-23T05:04:57.123000+00:00","value":{"name":"Ada","n":[1,2]},"version":1}',
    );
  });

  it("derives the version from the whole document: a rewrite of the same text keeps it", async () => {
    const clock = new ManualClock();
    const store = new LevelDbStore({ client: openDatabase(), clock });
    await store.put("k", { n: 1 });
    const first = await store.getVersioned("k");
    await store.put("k", { n: 1 });
    expect((await store.getVersioned("k"))?.version).toBe(first?.version);
    clock.advance(1);
    await store.put("k", { n: 1 });
    const second = await store.getVersioned("k");
    expect(second?.version).not.toBe(first?.version);
    expect(await store.touch("k", { ttl: 100 })).toBe(true);
    expect((await store.getVersioned("k"))?.version).not.toBe(second?.version);
  });

  it("counts 1 000 concurrent increments from two stores on one database exactly", async () => {
    const db = openDatabase();
    const stores = [new LevelDbStore({ client: db }), new LevelDbStore({ client: db })];
    // Written first, so no increment waits in the queue that registers a new collection.
    await Promise.all(stores.map((store) => store.put("other", { n: 1 })));
    const counts = await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        (stores[index % 2] as LevelDbStore).increment("c"),
      ),
    );
    expect(new Set(counts).size).toBe(1000);
    expect(await stores[0]?.get("c")).toEqual({ count: 1000 });
  });

  type PlainWrite = (store: LevelDbStore, db: ClassicLevel<string, string>) => Promise<unknown>;
  const plainWrites: [string, PlainWrite, unknown][] = [
    ["put", (store) => store.put("c", { count: 100 }), { count: 100 }],
    ["putMany", (store) => store.putMany([["c", { count: 100 }]]), { count: 100 }],
    ["delete", (store) => store.delete("c"), undefined],
    ["deleteMany", (store) => store.deleteMany(["c", "d"]), undefined],
    [
      "put of another store on the database",
      (_, db) => new LevelDbStore({ client: db }).put("c", { count: 100 }),
      { count: 100 },
    ],
  ];
  it.each(plainWrites)(
    "holds a %s issued between an increment's read and write until the write is done",
    async (_, write, final) => {
      const db = openDatabase();
      const store = new LevelDbStore({ client: db });
      await store.put("c", { count: 5 });
      const plain = duringNextRead(db, "get", () => write(store, db));
      expect(await store.increment("c")).toBe(6);
      await plain;
      expect(await store.get("c")).toEqual(final);
    },
  );

  it("starts an increment only once a put in flight has written", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("other", { n: 1 });
    const put = db.put.bind(db);
    vi.spyOn(db, "put").mockImplementationOnce((async (...args: [string, string]) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return put(...args);
    }) as never);
    const written = store.put("c", { count: 10 });
    expect(await store.increment("c")).toBe(11);
    await written;
  });

  it("keeps an entry written while cull() re-checks a batch before deleting it", async () => {
    const db = openDatabase();
    const clock = new ManualClock();
    const store = new LevelDbStore({ client: db, clock });
    await store.putMany([["k", { old: true }]], { ttl: 1 });
    clock.advanceSeconds(2);
    const inserted = duringNextRead(db, "getMany", () => store.putIfAbsent("k", { n: 1 }));
    await store.cull();
    expect(await inserted).toBe(true);
    expect(await store.get("k")).toEqual({ n: 1 });
  });

  it("registers a new collection in the batch of its first increment or putIfAbsent", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    const batch = vi.spyOn(db, "batch");
    expect(await store.increment("c", { collection: "counters" })).toBe(1);
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "locks" })).toBe(true);
    expect(batch).toHaveBeenCalledTimes(2);
    expect(await rawEntries(db)).toEqual([
      ["!collection!counters", "1"],
      ["!collection!locks", "2"],
      ["!sequence", "2"],
      ["1:c", expect.stringContaining('"value":{"count":1}')],
      ["2:k", expect.stringContaining('"value":{"n":1}')],
    ]);
  });

  it("registers nothing for conditional writes and touch on a collection never written", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    const version = (await store.getVersioned("k", { collection: "c" }))?.version;
    expect(version).toBeUndefined();
    expect(await store.touch("k", { collection: "ghost", ttl: 10 })).toBe(false);
    await store.put("k", { n: 1 });
    const read = await store.getVersioned("k");
    expect(
      await store.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection: "ghost" }),
    ).toBe(false);
    expect(await store.deleteIfVersion("k", read?.version ?? "", { collection: "ghost" })).toBe(
      false,
    );
    expect((await rawEntries(db)).map(([key]) => key)).toEqual([
      "!collection!default_collection",
      "!sequence",
      "1:k",
    ]);
  });

  it("leaves no lock behind once the operations on a key have settled", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await Promise.all([store.increment("c"), store.put("c", { count: 1 }), store.delete("x")]);
    await expect(store.increment("c", { by: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await store.put("bad", { n: 1 });
    await db.put("1:bad", "not json");
    await expect(store.increment("bad")).rejects.toSatisfy(DeserializationError.isInstance);
    expect(await store.increment("bad2")).toBe(1);
    expect(locksOf(db).size).toBe(0);
  });
});

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LevelDbStore } from "@kv/leveldb";
import {
  DeserializationError,
  ManualClock,
  parseTimestamp,
  StoreConnectionError,
  StoreError,
  serializeEntry,
} from "@kv/protocol";
import { ClassicLevel } from "classic-level";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

const root = mkdtempSync(join(tmpdir(), "kv-leveldb-spec-"));
let count = 0;
const freshLocation = () => join(root, `db-${++count}`);
const opened: ClassicLevel<string, string>[] = [];

function openDatabase(location = freshLocation()): ClassicLevel<string, string> {
  const db = new ClassicLevel<string, string>(location);
  opened.push(db);
  return db;
}

async function rawEntries(db: ClassicLevel<string, string>): Promise<[string, string][]> {
  return db.iterator({ keyEncoding: "utf8", valueEncoding: "utf8" }).all();
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const db of opened.splice(0)) await db.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("LevelDbStore layout", () => {
  it("stores <collection>::<key> -> py-key-value's entry document", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 60 });
    const [[key, text]] = (await rawEntries(db)) as [[string, string]];
    expect(key).toBe("users::u1");
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

  it("escapes % and : in collection names so no two (collection, key) pairs share a key", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.put("c", { n: 1 }, { collection: "a::b" });
    await store.put("b::c", { n: 2 }, { collection: "a" });
    await store.put("k", { n: 3 }, { collection: "50%:" });
    expect((await rawEntries(db)).map(([key]) => key).sort()).toEqual(
      ["50%25%3A::k", "a%3A%3Ab::c", "a::b::c"].sort(),
    );
    expect((await store.collections()).sort()).toEqual(["50%:", "a", "a::b"]);
    expect(await store.keys({ collection: "a" })).toEqual(["b::c"]);
    expect(await store.keys({ collection: "a::b" })).toEqual(["c"]);
  });

  it("keeps collections whose names prefix one another apart in ranges", async () => {
    const store = new LevelDbStore({ client: openDatabase() });
    for (const collection of ["a", "a:", "a::", "ab", "a\u{1F642}", "a\u0000"]) {
      await store.put("k", { collection }, { collection });
      await store.put("k:x", { collection }, { collection });
    }
    for (const collection of ["a", "a:", "a::", "ab", "a\u{1F642}", "a\u0000"]) {
      expect((await store.keys({ collection })).sort()).toEqual(["k", "k:x"]);
    }
    expect(await store.destroyCollection("a")).toBe(true);
    expect((await store.collections()).sort()).toEqual(
      ["a:", "a::", "ab", "a\u{1F642}", "a\u0000"].sort(),
    );
  });
});

describe("LevelDbStore native bulk calls", () => {
  it("answers getMany with one native getMany", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.putMany(Array.from({ length: 100 }, (_, index) => [`k${index}`, { index }]));
    const getMany = vi.spyOn(db, "getMany");
    const get = vi.spyOn(db, "get");
    const keys = Array.from({ length: 100 }, (_, index) => `k${index}`);
    expect(await store.getMany(keys)).toEqual(keys.map((_, index) => ({ index })));
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(get).not.toHaveBeenCalled();
  });

  it("writes putMany as one atomic batch", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.get("warm-up");
    const batch = vi.spyOn(db, "batch");
    const put = vi.spyOn(db, "put");
    await store.putMany(Array.from({ length: 100 }, (_, index) => [`k${index}`, { index }]));
    expect(batch).toHaveBeenCalledTimes(1);
    expect(put).not.toHaveBeenCalled();
    expect(await rawEntries(db)).toHaveLength(100);
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

  it("passes sync to every write when asked", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db, sync: true });
    const put = vi.spyOn(db, "put");
    const batch = vi.spyOn(db, "batch");
    await store.put("a", { n: 1 });
    await store.putMany([["b", { n: 2 }]]);
    expect((put.mock.calls[0] as unknown[] | undefined)?.[2]).toMatchObject({ sync: true });
    expect((batch.mock.calls[0] as unknown[] | undefined)?.[1]).toMatchObject({ sync: true });
  });

  it("enumerates a collection with one range iterator", async () => {
    const db = openDatabase();
    const store = new LevelDbStore({ client: db });
    await store.putMany([["k", { n: 1 }]], { collection: "c" });
    const iterator = vi.spyOn(db, "iterator");
    expect(await store.keys({ collection: "c" })).toEqual(["k"]);
    expect(iterator).toHaveBeenCalledTimes(1);
    expect((iterator.mock.calls[0] as unknown[] | undefined)?.[0]).toMatchObject({
      gte: "c::",
      lt: "c:;",
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
    expect((await rawEntries(db)).map(([key]) => key).sort()).toEqual([
      "default_collection::live",
      "other::forever",
    ]);
  });

  it("leaves expired entries out of keys() before they are culled", async () => {
    const clock = new ManualClock();
    const store = new LevelDbStore({ client: openDatabase(), clock });
    await store.put("short", { n: 1 }, { ttl: 1 });
    await store.put("long", { n: 2 });
    clock.advanceSeconds(2);
    expect(await store.keys()).toEqual(["long"]);
    expect(await store.delete("short")).toBe(false);
  });
});

describe("LevelDbStore database ownership", () => {
  it("opens its database on first use and closes it on close()", async () => {
    const location = freshLocation();
    const store = new LevelDbStore({ location });
    expect(existsSync(location)).toBe(false);
    await store.put("k", { n: 1 });
    expect(existsSync(location)).toBe(true);
    await store.close();
    const reader = openDatabase(location);
    await reader.open();
    expect(await reader.get("default_collection::k")).toContain('"value":{"n":1}');
    await reader.close();
    expect(await store.get("k")).toEqual({ n: 1 });
    await store.close();
  });

  it("never closes a borrowed database, whatever its default encodings", async () => {
    const db = new ClassicLevel<string, unknown>(freshLocation(), { valueEncoding: "json" });
    const store = new LevelDbStore({ client: db as ClassicLevel<string, string> });
    await store.put("k", { n: 1 });
    await store.close();
    await store.close();
    expect(db.status).toBe("open");
    expect(await store.get("k")).toEqual({ n: 1 });
    expect(await db.get("default_collection::k")).toMatchObject({ value: { n: 1 }, version: 1 });
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
    await db.put("default_collection::bad", "not json");
    const error = await store.get("bad").catch((caught: unknown) => caught);
    expect(DeserializationError.isInstance(error)).toBe(true);
    expect(StoreError.isInstance(error)).toBe(false);
  });
});

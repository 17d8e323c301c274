import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeserializationError,
  ManualClock,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
} from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";

const root = mkdtempSync(join(tmpdir(), "kv-sqlite-spec-"));
let count = 0;
const freshPath = () => join(root, `db-${++count}.sqlite`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A connection that records every statement it runs. */
function recordingConnection(path = ":memory:"): { db: Database.Database; log: string[] } {
  const log: string[] = [];
  const db = new Database(path, { verbose: (sql) => log.push(String(sql)) });
  return { db, log };
}

describe("SqliteStore layout", () => {
  it("keeps one row per entry in kv_entries, keyed by (collection, key)", async () => {
    const db = new Database(":memory:");
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = new SqliteStore({ client: db, clock });
    await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 60 });
    const columns = db.prepare("PRAGMA table_info(kv_entries)").all() as {
      name: string;
      pk: number;
    }[];
    expect(columns.map((column) => column.name)).toEqual([
      "collection",
      "key",
      "value",
      "created_at",
      "expires_at",
      "version",
      "revision",
    ]);
    expect(columns.filter((column) => column.pk > 0).map((column) => column.name)).toEqual([
      "collection",
      "key",
    ]);
    expect(db.prepare("SELECT * FROM kv_entries").all()).toEqual([
      {
        collection: "users",
        key: "u1",
        value: '{"name":"Ada"}',
        created_at: clock.now(),
        expires_at: clock.now() + 60_000,
        version: 1,
        revision: expect.any(Number),
      },
    ]);
    db.close();
  });

  it("culls with the index on expires_at when indexExpiry is on, and drops the index when off", async () => {
    const db = new Database(":memory:");
    const cullPlan = () =>
      (
        db.prepare("EXPLAIN QUERY PLAN DELETE FROM kv_entries WHERE expires_at <= ?").all(0) as {
          detail: string;
        }[]
      )
        .map((step) => step.detail)
        .join(" ");
    await new SqliteStore({ client: db, indexExpiry: true }).cull();
    expect(cullPlan()).toContain("kv_entries_expires_at");
    await new SqliteStore({ client: db }).cull();
    expect(cullPlan()).not.toContain("kv_entries_expires_at");
    db.close();
  });

  it("answers concurrent gets issued in one turn with one statement, and never reorders a read after a later write", async () => {
    const db = new Database(":memory:");
    const store = new SqliteStore({ client: db });
    await store.putMany(Array.from({ length: 100 }, (_, n) => [`k${n}`, { n }] as const));
    const statement = Object.getPrototypeOf(db.prepare("SELECT 1")) as {
      get: (...args: unknown[]) => unknown;
      all: (...args: unknown[]) => unknown;
    };
    const singleReads = vi.spyOn(statement, "get");
    const bulkReads = vi.spyOn(statement, "all");
    const values = await Promise.all(Array.from({ length: 100 }, (_, n) => store.get(`k${n}`)));
    expect(values).toEqual(Array.from({ length: 100 }, (_, n) => ({ n })));
    expect([singleReads.mock.calls.length, bulkReads.mock.calls.length]).toEqual([0, 1]);
    singleReads.mockRestore();
    bulkReads.mockRestore();
    const [before, after] = await Promise.all([
      store.get("k1"),
      store.put("k1", { n: "new" }).then(() => store.get("k1")),
    ]);
    expect([before, after]).toEqual([{ n: 1 }, { n: "new" }]);
    db.close();
  });

  it("puts a file database in WAL mode and creates its directory", async () => {
    const path = join(root, "nested", "dir", "store.sqlite");
    const store = new SqliteStore({ path });
    await store.put("k", { a: 1 });
    const reader = new Database(path, { readonly: true });
    expect(reader.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(reader.prepare("SELECT count(*) AS n FROM kv_entries").get()).toEqual({ n: 1 });
    reader.close();
    await store.close();
  });

  it("keeps stores on different tables of one file apart, and destroy() drops only its rows", async () => {
    const path = freshPath();
    const first = new SqliteStore({ path, table: "first" });
    const second = new SqliteStore({ path, table: "second" });
    await first.put("k", { from: "first" });
    await second.put("k", { from: "second" });
    expect(await first.destroy()).toBe(true);
    expect(await first.get("k")).toBeUndefined();
    expect(await second.get("k")).toEqual({ from: "second" });
    await first.close();
    await second.close();
  });
});

describe("SqliteStore statements", () => {
  it("answers getMany with one SELECT", async () => {
    const { db, log } = recordingConnection();
    const store = new SqliteStore({ client: db });
    const keys = Array.from({ length: 100 }, (_, index) => `k${index}`);
    await store.putMany(keys.map((key, index) => [key, { index }]));
    log.length = 0;
    expect(await store.getMany([...keys, "missing"])).toEqual([
      ...keys.map((_, index) => ({ index })),
      undefined,
    ]);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^SELECT .* json_each/);
    db.close();
  });

  it("writes putMany in one transaction", async () => {
    const { db, log } = recordingConnection();
    const store = new SqliteStore({ client: db });
    await store.get("warm-up");
    log.length = 0;
    await store.putMany(Array.from({ length: 50 }, (_, index) => [`k${index}`, { index }]));
    expect(log[0]).toMatch(/^BEGIN/);
    expect(log.at(-1)).toMatch(/^COMMIT/);
    expect(log.filter((sql) => sql.startsWith("INSERT"))).toHaveLength(50);
    db.close();
  });

  it("writes nothing of a putMany when one row fails", async () => {
    const db = new Database(":memory:");
    const store = new SqliteStore({ client: db });
    await store.get("warm-up");
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON kv_entries WHEN NEW.key = 'bad'
             BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    const error = await store
      .putMany([
        ["good", { n: 1 }],
        ["bad", { n: 2 }],
      ])
      .catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: "SQLITE_CONSTRAINT_TRIGGER" });
    expect(await store.get("good")).toBeUndefined();
    db.close();
  });

  it("deletes deleteMany with one DELETE and counts only live rows", async () => {
    const { db, log } = recordingConnection();
    const clock = new ManualClock();
    const store = new SqliteStore({ client: db, clock });
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    await store.put("expiring", { n: 3 }, { ttl: 1 });
    clock.advanceSeconds(2);
    log.length = 0;
    expect(await store.deleteMany(["a", "b", "expiring", "missing"])).toBe(2);
    expect(log).toHaveLength(1);
    expect(db.prepare("SELECT count(*) AS n FROM kv_entries").get()).toEqual({ n: 0 });
    db.close();
  });

  it("filters expired rows in SQL and culls them", async () => {
    const db = new Database(":memory:");
    const clock = new ManualClock();
    const store = new SqliteStore({ client: db, clock });
    await store.put("short", { n: 1 }, { ttl: 10 });
    await store.put("long", { n: 2 }, { ttl: 100 });
    await store.put("forever", { n: 3 });
    clock.advanceSeconds(11);
    expect(await store.keys()).toEqual(["forever", "long"]);
    expect(db.prepare("SELECT count(*) AS n FROM kv_entries").get()).toEqual({ n: 3 });
    await store.cull();
    expect(db.prepare("SELECT key FROM kv_entries ORDER BY key").pluck().all()).toEqual([
      "forever",
      "long",
    ]);
    db.close();
  });

  it("pages through keys 1 000 rows at a time, in key order", async () => {
    const { db, log } = recordingConnection();
    const store = new SqliteStore({ client: db });
    const keys = Array.from(
      { length: 2500 },
      (_, index) => `key-${String(index).padStart(4, "0")}`,
    );
    await store.putMany(keys.map((key) => [key, { key }]));
    log.length = 0;
    const seen: string[] = [];
    for await (const key of store.iterateKeys()) seen.push(key);
    expect(seen).toEqual(keys);
    expect(log.filter((sql) => sql.startsWith("SELECT key"))).toHaveLength(3);
    db.close();
  });
});

describe("SqliteStore connection ownership", () => {
  it("opens its file on first use, closes it on close(), and refuses use after that", async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    expect(existsSync(path)).toBe(false);
    await store.put("k", { n: 1 });
    expect(existsSync(path)).toBe(true);
    await store.close();
    await store.close();
    await expect(store.get("k")).rejects.toBeInstanceOf(StoreClosedError);
    const reopened = new SqliteStore({ path });
    expect(await reopened.get("k")).toEqual({ n: 1 });
    await reopened.close();
  });

  it("never closes a borrowed connection nor changes its journal mode", async () => {
    const path = freshPath();
    const db = new Database(path);
    const store = new SqliteStore({ client: db });
    await store.put("k", { n: 1 });
    await store.close();
    expect(db.open).toBe(true);
    expect(db.pragma("journal_mode", { simple: true })).toBe("delete");
    expect(await new SqliteStore({ client: db }).get("k")).toEqual({ n: 1 });
    db.close();
  });

  it("refuses unusable options", () => {
    expect(() => new SqliteStore({} as { path: string })).toThrow(TypeError);
    expect(() => new SqliteStore({ path: ":memory:", table: "x; DROP TABLE y" })).toThrow(
      RangeError,
    );
    expect(
      () => new SqliteStore({ path: ":memory:", synchronous: "fast" as unknown as "full" }),
    ).toThrow(RangeError);
  });
});

describe("SqliteStore errors", () => {
  it("reports a write lock held too long by another connection as StoreConnectionError", async () => {
    const path = freshPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 50 });
    await store.put("k", { n: 1 });
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const error = await store.put("k", { n: 2 }).catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: "SQLITE_BUSY" });
    other.exec("COMMIT");
    other.close();
    await store.put("k", { n: 3 });
    expect(await store.get("k")).toEqual({ n: 3 });
    await store.close();
  });

  it("reports use of a closed borrowed connection as StoreConnectionError", async () => {
    const db = new Database(":memory:");
    const store = new SqliteStore({ client: db });
    await store.put("k", { n: 1 });
    db.close();
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
  });

  it("throws DeserializationError naming the key for a value that is not a JSON object", async () => {
    const db = new Database(":memory:");
    const store = new SqliteStore({ client: db });
    await store.put("bad", { n: 1 });
    db.prepare("UPDATE kv_entries SET value = '[1, 2]'").run();
    const error = await store.get("bad").catch((caught: unknown) => caught);
    expect(DeserializationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("bad");
    db.close();
  });
});

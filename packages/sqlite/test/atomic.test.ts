import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, NotACounterError } from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(join(tmpdir(), "kv-sqlite-atomic-"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A store on a fresh in-memory connection that records every statement run on it. */
function recordedStore(clock = new ManualClock()): {
  store: SqliteStore;
  db: Database.Database;
  log: string[];
} {
  const log: string[] = [];
  const db = new Database(":memory:", { verbose: (sql) => log.push(String(sql)) });
  return { store: new SqliteStore({ client: db, clock }), db, log };
}

/** The stored row of a key of the default collection. */
function rowOf(db: Database.Database, key: string): unknown {
  return db.prepare("SELECT * FROM kv_entries WHERE key = ?").get(key);
}

describe("SqliteStore atomic statements", () => {
  it("runs each atomic operation as one conditional statement", async () => {
    const { store, db, log } = recordedStore();
    await store.get("warm-up");
    const statementsOf = async (call: () => Promise<unknown>) => {
      log.length = 0;
      await call();
      return log.map((sql) => sql.replace(/\s+/g, " ").trim());
    };
    const [insert] = await statementsOf(() => store.putIfAbsent("k", { n: 1 }, { ttl: 60 }));
    expect(insert).toMatch(
      /^INSERT .* ON CONFLICT .* DO UPDATE .* WHERE expires_at IS NOT NULL AND expires_at <= [\d.]+$/,
    );
    expect(await statementsOf(() => store.putIfAbsent("k", { n: 2 }))).toHaveLength(1);
    const [select] = await statementsOf(() => store.getVersioned("k"));
    expect(select).toMatch(/^SELECT .* revision FROM/);
    const read = await store.getVersioned("k");
    const [update] = await statementsOf(() =>
      store.putIfVersion("k", { n: 3 }, read?.version ?? ""),
    );
    expect(update).toMatch(/^UPDATE .* WHERE collection = '\w+' AND key = 'k' AND revision = \d+ /);
    const [remove] = await statementsOf(() => store.deleteIfVersion("k", read?.version ?? ""));
    expect(remove).toMatch(/^DELETE .* AND revision = \d+ /);
    const [touch] = await statementsOf(() => store.touch("k", { ttl: 10 }));
    expect(touch).toMatch(/^UPDATE .* SET expires_at = [\d.]+, revision = revision \+ 1 /);
    const [increment] = await statementsOf(() => store.increment("c"));
    expect(increment).toMatch(/^INSERT .* ON CONFLICT .* RETURNING json_extract/);
    db.close();
  });

  it("stores a counter as the JSON text JSON.stringify writes, keeping created_at while it lives", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const { store, db } = recordedStore(clock);
    const created = clock.now();
    expect(await store.increment("hits", { ttl: 60 })).toBe(1);
    clock.advanceSeconds(10);
    expect(await store.increment("hits", { by: 41 })).toBe(42);
    expect(rowOf(db, "hits")).toMatchObject({
      value: JSON.stringify({ count: 42 }),
      created_at: created,
      expires_at: created + 60_000,
      version: 1,
    });
    expect(await store.increment("hits", { by: -50, refreshTtl: true })).toBe(-8);
    expect(rowOf(db, "hits")).toMatchObject({ value: '{"count":-8}', expires_at: null });
    clock.advanceSeconds(100);
    await store.put("old", { count: 5 }, { ttl: 1 });
    clock.advanceSeconds(2);
    expect(await store.increment("old", { by: 3, ttl: 30 })).toBe(3);
    expect(rowOf(db, "old")).toMatchObject({
      value: '{"count":3}',
      created_at: clock.now(),
      expires_at: clock.now() + 30_000,
    });
    db.close();
  });

  it("counts a count written in another JSON spelling, as JSON.parse reads it", async () => {
    const { store, db } = recordedStore();
    await store.put("c", { count: 0 });
    for (const [stored, next] of [
      ['{ "count" : 7 }', 8],
      ['{"count":1.0}', 2],
      ['{"count":1e3}', 1001],
    ] as const) {
      db.prepare("UPDATE kv_entries SET value = ? WHERE key = 'c'").run(stored);
      expect(await store.increment("c")).toBe(next);
      expect(await store.get("c")).toEqual({ count: next });
    }
    db.close();
  });

  it("throws NotACounterError and leaves the row untouched for every value that is not a counter", async () => {
    const { store, db } = recordedStore();
    const max = Number.MAX_SAFE_INTEGER;
    for (const [stored, by] of [
      ['{"count":true}', 1],
      ['{"count":null}', 1],
      ['{"count":"1"}', 1],
      ['{"count":1.5}', 1],
      ['{"count":[1]}', 1],
      ['{"count":1,"other":2}', 1],
      ['{"counter":1}', 1],
      ["{}", 1],
      ["[1]", 1],
      ["not json", 1],
      [`{"count":${max}}`, 1],
      [`{"count":${-max}}`, -1],
      ['{"count":9007199254740993}', -10],
      ['{"count":1e300}', 1],
    ] as const) {
      await store.put("v", { n: 1 }, { ttl: 100 });
      db.prepare("UPDATE kv_entries SET value = ? WHERE key = 'v'").run(stored);
      const before = rowOf(db, "v");
      await expect(store.increment("v", { by, ttl: 5, refreshTtl: true })).rejects.toSatisfy(
        NotACounterError.isInstance,
      );
      expect(rowOf(db, "v")).toEqual(before);
    }
    db.close();
  });
});

describe("SqliteStore versions", () => {
  it("gives every write of a row a new version: put, putIfVersion, increment and touch", async () => {
    const { store, db } = recordedStore();
    const versionOf = async (key: string) => (await store.getVersioned(key))?.version;
    await store.put("k", { count: 1 });
    const seen = [await versionOf("k")];
    await store.put("k", { count: 1 });
    seen.push(await versionOf("k"));
    await store.putIfVersion("k", { count: 1 }, seen.at(-1) ?? "");
    seen.push(await versionOf("k"));
    await store.increment("k", { by: 0 });
    seen.push(await versionOf("k"));
    await store.touch("k", { ttl: 100 });
    seen.push(await versionOf("k"));
    expect(new Set(seen).size).toBe(seen.length);
    db.close();
  });

  it("refuses a version read before a delete once the key is written again, in the same millisecond", async () => {
    const { store, db } = recordedStore();
    for (let round = 0; round < 20; round++) {
      await store.put("k", { same: true });
      const stale = await store.getVersioned("k");
      await store.delete("k");
      await store.put("k", { same: true });
      expect(await store.putIfVersion("k", { n: 2 }, stale?.version ?? "")).toBe(false);
      expect(await store.deleteIfVersion("k", stale?.version ?? "")).toBe(false);
    }
    expect(await store.get("k")).toEqual({ same: true });
    db.close();
  });

  it("refuses a token that was never given out, even one naming the same revision", async () => {
    const { store, db } = recordedStore();
    await store.put("k", { n: 1 });
    const version = (await store.getVersioned("k"))?.version ?? "";
    const [tag, revision] = version.split(".");
    for (const forged of [`${tag}.0${revision}`, `${tag}.${revision}.0`, `${tag}.x`, `${tag}.`]) {
      expect(await store.putIfVersion("k", { n: 2 }, forged)).toBe(false);
    }
    expect(await store.putIfVersion("k", { n: 2 }, version)).toBe(true);
    db.close();
  });
});

describe("SqliteStore schema migration", () => {
  /** The table as releases before the atomic operations made it, with one row they wrote. */
  function oldDatabase(path: string): void {
    const db = new Database(path);
    db.exec(`CREATE TABLE "kv_entries" (
      collection TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      created_at INTEGER,
      expires_at INTEGER,
      version INTEGER NOT NULL DEFAULT 1,
      PRIMARY KEY (collection, key)
    )`);
    db.prepare(
      `INSERT INTO kv_entries (collection, key, value, created_at, expires_at, version)
       VALUES ('default_collection', 'old', '{"count":41}', 1, NULL, 1)`,
    ).run();
    db.close();
  }

  it("adds the revision column to a file made by an earlier release and keeps its rows working", async () => {
    const path = join(root, "old.sqlite");
    oldDatabase(path);
    const store = new SqliteStore({ path });
    expect(await store.get("old")).toEqual({ count: 41 });
    const read = await store.getVersioned("old");
    expect(read?.version).toMatch(/\.0$/);
    expect(await store.increment("old")).toBe(42);
    expect(await store.putIfVersion("old", { n: 1 }, read?.version ?? "")).toBe(false);
    expect(await store.putIfAbsent("new", { n: 1 })).toBe(true);
    await store.close();

    const again = new SqliteStore({ path });
    const current = await again.getVersioned("old");
    expect(await again.putIfVersion("old", { n: 2 }, current?.version ?? "")).toBe(true);
    expect(await again.get("old")).toEqual({ n: 2 });
    await again.close();

    const migrated = new Database(path, { readonly: true });
    const fresh = new Database(":memory:");
    await new SqliteStore({ client: fresh }).get("warm-up");
    const columnsOf = (db: Database.Database) =>
      db.prepare("SELECT * FROM pragma_table_info('kv_entries')").all();
    expect(columnsOf(migrated)).toEqual(columnsOf(fresh));
    fresh.close();
    migrated.close();
  });
});

import { freeLoopbackPort } from "@kv/conformance";
import { PostgresStore, type PostgresStoreOptions } from "@kv/postgres";
import {
  DeserializationError,
  InvalidKeyError,
  isTransientError,
  ManualClock,
  NotACounterError,
  SerializationError,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
} from "@kv/protocol";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isTransient } from "../src/errors.ts";
import { dropTestTables, freshTable, url } from "./server.ts";

const pool = new pg.Pool({ connectionString: url, max: 4 });
/** The text of every statement the stores made by `newStore` sent. */
const statements: string[] = [];
/** The pool as the stores see it: every statement is recorded, then sent through `pool`. */
const recording = {
  query(config: string | pg.QueryConfig) {
    statements.push(typeof config === "string" ? config : config.text);
    return pool.query(config);
  },
} as unknown as pg.Pool;
const opened: PostgresStore[] = [];

/** A store on a table of its own, borrowing the recording pool unless told otherwise. */
function newStore(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
  const store = new PostgresStore({
    client: recording,
    table: freshTable("store"),
    ...options,
  } as PostgresStoreOptions);
  opened.push(store);
  return store;
}

/** The statements the store's pool receives while `action` runs. */
async function statementsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const from = statements.length;
  await action();
  return statements.slice(from);
}

/** The rows of a store's table, as PostgreSQL holds them. */
async function rowsOf(store: PostgresStore) {
  const { rows } = await pool.query(
    `SELECT collection, key, value, ttl, created_at, expires_at FROM "${store.table}" ORDER BY collection, key`,
  );
  return rows;
}

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

afterAll(async () => {
  await pool.end();
  await dropTestTables();
});

describe("layout shared with py-key-value", () => {
  it("creates py-key-value's table and expiry index", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const { rows: columns } = await pool.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = $1 ORDER BY ordinal_position`,
      [store.table],
    );
    expect(columns).toEqual([
      { column_name: "collection", data_type: "text", is_nullable: "NO" },
      { column_name: "key", data_type: "text", is_nullable: "NO" },
      { column_name: "value", data_type: "jsonb", is_nullable: "NO" },
      { column_name: "ttl", data_type: "double precision", is_nullable: "YES" },
      { column_name: "created_at", data_type: "timestamp with time zone", is_nullable: "YES" },
      { column_name: "expires_at", data_type: "timestamp with time zone", is_nullable: "YES" },
    ]);
    const { rows: indexes } = await pool.query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname",
      [store.table],
    );
    expect(indexes.map((index) => index.indexname)).toEqual([
      `idx_${store.table}_expires_at`,
      `${store.table}_pkey`,
    ]);
    expect(indexes[0]?.indexdef).toContain("WHERE (expires_at IS NOT NULL)");
    expect(indexes[1]?.indexdef).toContain("(collection, key)");
  });

  it("writes a row per entry: the value as jsonb, the TTL in seconds, timestamps in UTC", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = newStore({ clock });
    await store.put("u1", { name: "Ada", tags: ["x"] }, { collection: "users", ttl: 3600 });
    await store.put("u2", { name: "Grace" }, { collection: "users" });
    expect(await rowsOf(store)).toEqual([
      {
        collection: "users",
        key: "u1",
        value: { name: "Ada", tags: ["x"] },
        ttl: 3600,
        created_at: new Date("2026-11-23T05:04:57.123Z"),
        expires_at: new Date("2026-11-23T06:04:57.123Z"),
      },
      {
        collection: "users",
        key: "u2",
        value: { name: "Grace" },
        ttl: null,
        created_at: new Date("2026-11-23T05:04:57.123Z"),
        expires_at: null,
      },
    ]);
  });

  it("reads rows as py-key-value writes them, with microsecond timestamps", async () => {
    const store = newStore();
    await store.put("probe", {});
    const expires = new Date(Date.now() + 60_000).toISOString().replace("Z", "456+00:00");
    await pool.query(
      `INSERT INTO "${store.table}" (collection, key, value, ttl, created_at, expires_at)
       VALUES ('c', 'py', $1::jsonb, 60.0, now(), $2::timestamptz)`,
      [JSON.stringify({ b: 2, a: [1, { z: null }] }), expires],
    );
    expect(await store.get("py", { collection: "c" })).toEqual({ b: 2, a: [1, { z: null }] });
    const [, ttl] = await store.ttl("py", { collection: "c" });
    expect(ttl).toBeGreaterThan(58);
    expect(ttl).toBeLessThanOrEqual(60.001);
  });

  it("uses an existing table as it is: a role that may not create tables can use one made for it", async () => {
    const table = freshTable("granted");
    const role = `kv_limited_${table.slice(-12)}`;
    await newStore({ table }).put("k", { n: 1 });
    const asRole = Object.assign(new URL(url), { username: role, password: "" }).href;
    await pool.query(`CREATE ROLE ${role} LOGIN`);
    try {
      await pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${table}" TO ${role}`);
      const limited = new PostgresStore({ url: asRole, table });
      try {
        expect(await limited.get("k")).toEqual({ n: 1 });
        await limited.put("k2", { n: 2 }, { ttl: 60 });
        expect(await limited.increment("counter")).toBe(1);
      } finally {
        await limited.close();
      }
      const refused = new PostgresStore({
        url: asRole,
        table: freshTable("not_granted"),
      });
      await expect(refused.get("k")).rejects.toThrow(StoreSetupError);
      await refused.close();
    } finally {
      await pool.query(`DROP OWNED BY ${role}`);
      await pool.query(`DROP ROLE ${role}`);
    }
  });

  it("creates a missing table once when several stores with pools of their own start together", async () => {
    const table = freshTable("race");
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url, table }));
    try {
      await Promise.all(stores.map((store, index) => store.put(`k${index}`, { index })));
      expect(await stores[0]?.keys()).toEqual(["k0", "k1", "k2", "k3"]);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it("folds the table name to lower case, as an unquoted name in py-key-value's SQL is", async () => {
    const table = freshTable("Mixed_Case");
    const store = newStore({ table });
    expect(store.table).toBe(table.toLowerCase());
    await store.put("k", { n: 1 });
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = $1",
      [table.toLowerCase()],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("shares one table between stores, and destroy() empties only its own table", async () => {
    const table = freshTable("shared");
    const first = newStore({ table });
    const second = newStore({ table });
    const other = newStore();
    await first.put("k", { from: "first" }, { collection: "c" });
    await other.put("k", { from: "other" }, { collection: "c" });
    expect(await second.get("k", { collection: "c" })).toEqual({ from: "first" });
    expect(await second.destroy()).toBe(true);
    expect(await first.get("k", { collection: "c" })).toBeUndefined();
    expect(await other.get("k", { collection: "c" })).toEqual({ from: "other" });
  });
});

describe("names and values PostgreSQL cannot hold", () => {
  it("refuses a key or collection with U+0000 with InvalidKeyError, writing nothing", async () => {
    const store = newStore();
    await expect(store.put("a\0b", { n: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(
      store.putMany([
        ["ok", { n: 1 }],
        ["\0", { n: 2 }],
      ]),
    ).rejects.toThrow(InvalidKeyError);
    await expect(store.get("k", { collection: "c\0" })).rejects.toThrow(InvalidKeyError);
    await expect(store.getMany(["k", "\0"])).rejects.toThrow(InvalidKeyError);
    await expect(store.destroyCollection("c\0")).rejects.toThrow(InvalidKeyError);
    expect(await rowsOf(store)).toEqual([]);
  });

  it("refuses a value holding U+0000 with SerializationError, writing nothing", async () => {
    const store = newStore();
    await expect(store.put("k", { text: "a\0b" })).rejects.toThrow(SerializationError);
    await expect(
      store.putMany([
        ["ok", { n: 1 }],
        ["bad", { "\0": 1 }],
      ]),
    ).rejects.toThrow(SerializationError);
    expect(await store.putIfAbsent("k", { text: "\0" }).catch((error) => error)).toBeInstanceOf(
      SerializationError,
    );
    expect(await rowsOf(store)).toEqual([]);
  });

  it("reports a stored value that is not a JSON object as DeserializationError", async () => {
    const store = newStore();
    await store.put("k", { n: 1 }, { collection: "c" });
    await pool.query(`UPDATE "${store.table}" SET value = '[1, 2]'::jsonb`);
    const error = await store.get("k", { collection: "c" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(DeserializationError);
    expect(error).toMatchObject({ collection: "c", key: "k" });
  });

  it("refuses a table name that is not a plain identifier", () => {
    for (const table of ["kv-store", "1kv", "kv store", "x".repeat(64), "", 'kv"']) {
      expect(() => new PostgresStore({ url, table })).toThrow(RangeError);
    }
  });
});

describe("native bulk calls and statements", () => {
  it("sends getMany, putMany and deleteMany as one statement each", async () => {
    const store = newStore();
    await store.put("warm", {});
    const keys = Array.from({ length: 100 }, (_, index) => `k${index}`);
    const puts = await statementsDuring(() =>
      store.putMany(
        keys.map((key) => [key, { key }]),
        { ttl: 60 },
      ),
    );
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatch(/unnest\(/);
    const gets = await statementsDuring(() => store.getMany(keys));
    expect(gets).toHaveLength(1);
    expect(gets[0]).toMatch(/unnest\(\$2::text\[\]\)/);
    const deletes = await statementsDuring(() => store.deleteMany(keys));
    expect(deletes).toHaveLength(1);
  });

  it("plans getMany as one key lookup per key and deleteMany as a join, on a table without statistics", async () => {
    const store = newStore();
    const keys = Array.from({ length: 2000 }, (_, index) => `k${index}`);
    await store.putMany(keys.map((key) => [key, { key }]));
    const [getMany = "", deleteMany = ""] = [
      ...(await statementsDuring(() => store.getMany(keys.slice(0, 500)))),
      ...(await statementsDuring(() => store.deleteMany(keys.slice(0, 500)))),
    ];
    const client = await pool.connect();
    /** The plan a named statement settles on: the generic one, parameters unknown. */
    const genericPlan = async (name: string, text: string, values: string) => {
      await client.query(`PREPARE ${name} AS ${text}`);
      const { rows } = await client.query(`EXPLAIN EXECUTE ${name}${values}`);
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    };
    try {
      await client.query("SET plan_cache_mode = force_generic_plan");
      const read = await genericPlan("g", getMany, "('default_collection', '{k1}')");
      expect(read).toMatch(/Nested Loop/);
      expect(read).toMatch(/Index Cond: \(\(collection = \$1\) AND \(key = k\.key\)\)/);
      expect(read).not.toMatch(/Hash|Seq Scan|ANY/);
      const removal = await genericPlan("d", deleteMany, "('default_collection', '{k1}', 0)");
      expect(removal).toMatch(/Hash Join|Nested Loop/);
      expect(removal).not.toMatch(/ANY/);
    } finally {
      client.release(true);
    }
  });

  it("answers single gets issued together with one statement", async () => {
    const store = newStore();
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    await store.put("a", { n: 3 }, { collection: "other" });
    let values: unknown[] = [];
    const sent = await statementsDuring(async () => {
      values = await Promise.all([
        store.get("a"),
        store.get("b"),
        store.get("missing"),
        store.get("a", { collection: "other" }),
      ]);
    });
    expect(sent).toHaveLength(1);
    expect(values).toEqual([{ n: 1 }, { n: 2 }, undefined, { n: 3 }]);
  });

  it("culls with one DELETE that PostgreSQL can answer from the expiry index", async () => {
    const store = newStore();
    await store.put("k", {}, { ttl: 60 });
    const sent = await statementsDuring(() => store.cull());
    expect(sent).toHaveLength(1);
    const client = await pool.connect();
    try {
      await client.query("SET enable_seqscan = off");
      const { rows } = await client.query(`EXPLAIN ${(sent[0] ?? "").replace("$1::float8", "0")}`);
      expect(rows.map((row) => row["QUERY PLAN"]).join("\n")).toContain(
        `idx_${store.table}_expires_at`,
      );
    } finally {
      client.release();
    }
  });

  it("counts only live entries among those deleteMany removes", async () => {
    const clock = new ManualClock(1_000_000);
    const store = newStore({ clock });
    await store.put("short", {}, { ttl: 1 });
    await store.put("long", {}, { ttl: 100 });
    await store.put("forever", {});
    clock.advance(2000);
    expect(await store.deleteMany(["short", "long", "forever", "missing"])).toBe(2);
    expect(await rowsOf(store)).toEqual([]);
  });
});

describe("atomic operations", () => {
  it("uses the row's xmin as the version, so any writer's update makes it stale", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const read = await store.getVersioned("k");
    // A write by another client, as py-key-value's upsert would make it.
    await pool.query(`UPDATE "${store.table}" SET value = '{"n": 1}'::jsonb WHERE key = 'k'`);
    expect(await store.putIfVersion("k", { n: 2 }, read?.version ?? "")).toBe(false);
    const again = await store.getVersioned("k");
    expect(again?.version).not.toBe(read?.version);
    expect(await store.putIfVersion("k", { n: 2 }, again?.version ?? "")).toBe(true);
    expect(await store.get("k")).toEqual({ n: 2 });
  });

  it("refuses a version token that cannot be a transaction id without asking the server", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const read = await store.getVersioned("k");
    const forged = `${read?.version.split(".")[0]}.99999999999`;
    expect(await store.putIfVersion("k", { n: 2 }, forged)).toBe(false);
    expect(await store.deleteIfVersion("k", `${read?.version.split(".")[0]}.x`)).toBe(false);
    expect(await store.get("k")).toEqual({ n: 1 });
  });

  it("keeps a counter as the jsonb { count } and accepts counts py-key-value wrote as 1.0", async () => {
    const store = newStore();
    expect(await store.increment("c", { by: 5, ttl: 60 })).toBe(5);
    await pool.query(
      `INSERT INTO "${store.table}" (collection, key, value) VALUES ('default_collection', 'py', '{"count": 1.0}')`,
    );
    expect(await store.increment("py")).toBe(2);
    const rows = await rowsOf(store);
    expect(rows.map(({ key, value, ttl }) => ({ key, value, ttl }))).toEqual([
      { key: "c", value: { count: 5 }, ttl: 60 },
      { key: "py", value: { count: 2 }, ttl: null },
    ]);
  });

  it("refuses to pass the safe integers and leaves the counter unchanged", async () => {
    const store = newStore();
    await store.put("c", { count: Number.MAX_SAFE_INTEGER - 1 });
    expect(await store.increment("c")).toBe(Number.MAX_SAFE_INTEGER);
    await expect(store.increment("c")).rejects.toThrow(NotACounterError);
    await pool.query(`UPDATE "${store.table}" SET value = '{"count": "7"}'::jsonb`);
    await expect(store.increment("c")).rejects.toThrow(NotACounterError);
    expect(await store.get("c")).toEqual({ count: "7" });
  });

  it("records the new TTL in the ttl column when touch changes the expiry", async () => {
    const clock = new ManualClock(5_000_000);
    const store = newStore({ clock });
    await store.put("k", { n: 1 }, { ttl: 10 });
    clock.advance(4000);
    expect(await store.touch("k", { ttl: 30 })).toBe(true);
    const [row] = await rowsOf(store);
    expect(row).toMatchObject({ ttl: 30, expires_at: new Date(5_000_000 + 4000 + 30_000) });
    expect(row?.created_at).toEqual(new Date(5_000_000));
    expect(await store.touch("k", { ttl: undefined })).toBe(true);
    expect((await rowsOf(store))[0]).toMatchObject({ ttl: null, expires_at: null });
  });
});

describe("connections and errors", () => {
  it("ends the pool it made on close(), and leaves a borrowed pool open", async () => {
    const owned = new PostgresStore({ url, table: freshTable("owned") });
    await owned.put("k", { n: 1 });
    await owned.close();
    await expect(owned.get("k")).rejects.toThrow(StoreClosedError);
    const borrowed = newStore();
    await borrowed.put("k", { n: 1 });
    await borrowed.close();
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await new PostgresStore({ url, table: owned.table }).destroy();
  });

  it("fails with a transient StoreConnectionError, the driver's error as cause, when no server answers", async () => {
    const port = await freeLoopbackPort();
    const store = new PostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/postgres` });
    const error = await store.get("k").catch((caught) => caught);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect(isTransientError(error)).toBe(true);
    expect((error as StoreError).cause).toMatchObject({ code: "ECONNREFUSED" });
    await store.close();
  });

  it("fails with a permanent StoreError carrying pg's error when the table does not fit", async () => {
    const table = freshTable("unfit");
    await pool.query(`CREATE TABLE "${table}" (collection TEXT, key TEXT, value INTEGER)`);
    const store = newStore({ table });
    const error = await store.put("k", { n: 1 }).catch((caught) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ operation: "put", key: "k" });
    expect(isTransientError(error)).toBe(false);
    expect((error as StoreError).cause).toBeInstanceOf(pg.DatabaseError);
  });

  it("tells transient pg failures from permanent ones", () => {
    const withCode = (code: string) => Object.assign(new Error("x"), { code });
    for (const code of ["08006", "08001", "57P01", "53300", "57014", "40P01", "ECONNRESET"]) {
      expect(isTransient(withCode(code))).toBe(true);
    }
    expect(isTransient(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransient(new Error("timeout exceeded when trying to connect"))).toBe(true);
    for (const code of ["42P01", "23505", "22P02", "42501"]) {
      expect(isTransient(withCode(code))).toBe(false);
    }
    expect(isTransient("not an error")).toBe(false);
  });

  it("refuses a connectTimeoutMs that is not a positive number", () => {
    expect(() => new PostgresStore({ url, connectTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => new PostgresStore({ client: {} as pg.Pool })).toThrow(TypeError);
  });
});

import { PostgresStore } from "@kv/postgres";
import pg from "pg";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";
import { serverSuite, withClient } from "./servers.ts";

const RAW = "pg (raw)";
/** The tables the bench writes to, dropped at the end. */
const RAW_TABLE = "kvbench_raw";
const KV_TABLE = "kvbench_kv";
const COLLECTION = "kvbench";

interface Row {
  key: string;
  value: string;
  expires: number | null;
}

function postgresUrl(): string {
  return process.env.KV_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:55432/postgres";
}

/** A client for setup and clean-up, with `close` as the bench's helpers expect. */
function connect(): pg.Client & { close(): Promise<void> } {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 2000 });
  return Object.assign(client, { close: () => client.end() });
}

const expiresMs = "(extract(epoch FROM expires_at) * 1000)::float8 AS expires";
const at = (parameter: string) => `to_timestamp(${parameter}::float8 / 1000)`;
const upsert = `ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
  ttl = excluded.ttl, created_at = excluded.created_at, expires_at = excluded.expires_at`;
const statements = {
  get: {
    name: "bench_get",
    text: `SELECT value::text AS value, ${expiresMs} FROM ${RAW_TABLE} WHERE collection = $1 AND key = $2`,
  },
  getMany: {
    name: "bench_get_many",
    text: `SELECT e.* FROM unnest($2::text[]) AS k(key)
      CROSS JOIN LATERAL (SELECT key, value::text AS value, ${expiresMs} FROM ${RAW_TABLE}
        WHERE collection = $1 AND key = k.key LIMIT 1) AS e`,
  },
  put: {
    name: "bench_put",
    text: `INSERT INTO ${RAW_TABLE} (collection, key, value, ttl, created_at, expires_at)
      VALUES ($1, $2, $3::jsonb, $4::float8, ${at("$5")}, ${at("$6")}) ${upsert}`,
  },
  putMany: {
    name: "bench_put_many",
    text: `INSERT INTO ${RAW_TABLE} (collection, key, value, ttl, created_at, expires_at)
      SELECT $1, r.key, r.value::jsonb, $4::float8, ${at("$5")}, ${at("$6")}
      FROM unnest($2::text[], $3::text[]) AS r(key, value) ${upsert}`,
  },
};

/** The value of a row, or `undefined` when there is none or it expired by `now`. */
function live(row: Row | undefined, now: number): Value | undefined {
  if (row === undefined || (row.expires !== null && row.expires <= now)) return undefined;
  return JSON.parse(row.value) as Value;
}

/**
 * The limit: the raw driver on the store's table (py-key-value's layout: the value as `jsonb`,
 * `timestamptz` expiry with its partial index), named prepared statements, reads as one
 * primary-key lookup per key (as the store reads) and one `unnest` upsert per bulk write,
 * through a pool of pg's default size.
 */
async function rawClient(): Promise<Client> {
  const pool = new pg.Pool({ connectionString: postgresUrl() });
  await pool.query(`CREATE TABLE IF NOT EXISTS ${RAW_TABLE} (collection TEXT NOT NULL,
    key TEXT NOT NULL, value JSONB NOT NULL, ttl DOUBLE PRECISION, created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ, PRIMARY KEY (collection, key))`);
  await pool.query(
    `CREATE INDEX IF NOT EXISTS ${RAW_TABLE}_expires_at ON ${RAW_TABLE} (expires_at) WHERE expires_at IS NOT NULL`,
  );
  const write = (key: string, value: Value, ttl?: number) => {
    const now = Date.now();
    const expires = ttl === undefined ? null : now + ttl * 1000;
    return pool.query({
      ...statements.put,
      values: [COLLECTION, key, JSON.stringify(value), ttl ?? null, now, expires],
    });
  };
  const writeMany = (entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    const expires = ttl === undefined ? null : now + ttl * 1000;
    const keys = entries.map(([key]) => key);
    const values = entries.map(([, value]) => JSON.stringify(value));
    return pool.query({
      ...statements.putMany,
      values: [COLLECTION, keys, values, ttl ?? null, now, expires],
    });
  };
  return {
    get: async (key) => {
      const { rows } = await pool.query<Row>({ ...statements.get, values: [COLLECTION, key] });
      return live(rows[0], Date.now());
    },
    getMany: async (keys) => {
      const { rows } = await pool.query<Row>({ ...statements.getMany, values: [COLLECTION, keys] });
      const found = new Map(rows.map((row) => [row.key, row]));
      const now = Date.now();
      return keys.map((key) => live(found.get(key), now));
    },
    ...writeCalls(write, writeMany),
    close: () => pool.end(),
  };
}

/** PostgreSQL stores against the raw pg driver, in tables of the bench's own. */
export function postgresSuite(): Suite {
  return serverSuite({
    id: "postgres",
    title: "PostgreSQL",
    server: { name: "PostgreSQL server", url: postgresUrl(), service: "postgres" },
    answer: () =>
      withClient(connect(), async (client) => {
        await client.connect();
        await client.query("SELECT 1");
      }),
    version: () =>
      withClient(connect(), async (client) => {
        await client.connect();
        const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
        return rows[0]?.server_version ?? "?";
      }),
    cleanup: () =>
      withClient(connect(), async (client) => {
        await client.connect();
        await client.query(`DROP TABLE IF EXISTS ${RAW_TABLE}, ${KV_TABLE}`);
      }),
    raw: {
      name: RAW,
      description:
        "named prepared get / upsert, getMany as one LATERAL primary-key lookup per key, one unnest upsert per putMany; the store's table and expiry index, value as jsonb",
      packages: ["pg"],
      open: rawClient,
    },
    store: {
      name: "@kv/postgres",
      description: "PostgresStore({ url, table }) with its defaults",
      packages: ["@kv/postgres", "pg"],
      open: async () =>
        ownedKvClient(
          new PostgresStore({
            url: postgresUrl(),
            table: KV_TABLE,
            defaultCollection: COLLECTION,
          }),
        ),
    },
  });
}

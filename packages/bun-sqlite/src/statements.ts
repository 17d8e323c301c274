import type { Database, Statement } from "bun:sqlite";

/** One stored row, as read back. Timestamps are epoch milliseconds. */
export interface Row {
  key: string;
  value: string;
  created_at: number | null;
  expires_at: number | null;
}

/** A stored row with its revision (the version token of the atomic operations). */
export interface VersionedRow extends Row {
  revision: number;
}

/** One row to write: key, value JSON, created_at, expires_at. */
export type PutRow = readonly [string, string, number | null, number | null];

/** The named parameters of the increment statement. */
export interface CounterParameters {
  collection: string;
  key: string;
  by: number;
  now: number;
  expiresAt: number | null;
  refresh: 0 | 1;
}

/** Collection, key, revision, now: the live row that still has that revision. */
export type Match = [string, string, number, number];

type Put = [string, string, string, number | null, number | null];

/** Every statement the store runs, prepared once per connection. */
export interface Statements {
  get: Statement<Row, [string, string, number]>;
  getMany: Statement<Row, [string, string, number]>;
  put: Statement<unknown, Put>;
  delete: Statement<{ expires_at: number | null }, [string, string]>;
  deleteMany: Statement<{ expires_at: number | null }, [string, string]>;
  keysPage: Statement<{ key: string }, [string, string, number, number]>;
  nextCollection: Statement<{ collection: string }, [string]>;
  destroyCollection: Statement<unknown, [string]>;
  destroy: Statement<unknown, []>;
  cull: Statement<unknown, [number]>;
  insertIfAbsent: Statement<unknown, [...Put, number]>;
  readVersioned: Statement<VersionedRow, [string, string, number]>;
  replaceIfRevision: Statement<unknown, [string, number | null, number | null, ...Match]>;
  deleteIfRevision: Statement<unknown, Match>;
  touch: Statement<unknown, [number | null, string, string, number]>;
  increment: Statement<{ count: number }, [CounterParameters]>;
  /** Writes many rows of one collection in one transaction. */
  putMany: (collection: string, rows: readonly PutRow[]) => void;
}

const live = "(expires_at IS NULL OR expires_at > ?)";
/** A new row's revision: random below 2^52, so a key written again after a delete starts afresh. */
const firstRevision = "(random() & 4503599627370495)";
const maxCount = Number.MAX_SAFE_INTEGER;
const expired = "(expires_at IS NOT NULL AND expires_at <= @now)";
/** The count of a row holding `{ "count": <number> }` and nothing else, else NULL. */
const storedCount = `(CASE WHEN json_valid(value) THEN CASE
  WHEN json_type(value) = 'object' AND json_remove(value, '$.count') = '{}'
   AND json_type(value, '$.count') IN ('integer', 'real')
  THEN json_extract(value, '$.count') END END)`;
/** The row is a counter (a safe integer count) and adding `@by` keeps it a safe integer. */
const isCounter = `(${storedCount} = CAST(${storedCount} AS INTEGER)
  AND abs(${storedCount}) <= ${maxCount} AND abs(${storedCount} + @by) <= ${maxCount})`;

/** Creates the table (a row per entry keyed by collection and key) when it is missing. */
export function createSchema(db: Database, table: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER,
  expires_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  revision INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, key)
)`);
}

function upsertSql(table: string, onlyWhere = ""): string {
  return `INSERT INTO "${table}" (collection, key, value, created_at, expires_at, revision)
     VALUES (?, ?, ?, ?, ?, ${firstRevision})
     ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
     created_at = excluded.created_at, expires_at = excluded.expires_at,
     revision = revision + 1${onlyWhere === "" ? "" : ` WHERE ${onlyWhere}`}`;
}

/** Prepares every statement on `table`. Bulk statements take their keys as one JSON array. */
export function prepareStatements(db: Database, table: string): Statements {
  const t = `"${table}"`;
  const columns = "key, value, created_at, expires_at";
  const inKeys = "key IN (SELECT value FROM json_each(?))";
  const matching = `collection = ? AND key = ? AND revision = ? AND ${live}`;
  const put = db.prepare<unknown, Put>(upsertSql(table));
  return {
    get: db.prepare(`SELECT ${columns} FROM ${t} WHERE collection = ? AND key = ? AND ${live}`),
    getMany: db.prepare(
      `SELECT ${columns} FROM ${t} WHERE collection = ? AND ${inKeys} AND ${live}`,
    ),
    put,
    delete: db.prepare(`DELETE FROM ${t} WHERE collection = ? AND key = ? RETURNING expires_at`),
    deleteMany: db.prepare(
      `DELETE FROM ${t} WHERE collection = ? AND ${inKeys} RETURNING expires_at`,
    ),
    keysPage: db.prepare(
      `SELECT key FROM ${t} WHERE collection = ? AND key > ? AND ${live} ORDER BY key LIMIT ?`,
    ),
    nextCollection: db.prepare(
      `SELECT collection FROM ${t} WHERE collection > ? ORDER BY collection LIMIT 1`,
    ),
    destroyCollection: db.prepare(`DELETE FROM ${t} WHERE collection = ?`),
    destroy: db.prepare(`DELETE FROM ${t}`),
    cull: db.prepare(`DELETE FROM ${t} WHERE expires_at <= ?`),
    insertIfAbsent: db.prepare(upsertSql(table, "expires_at IS NOT NULL AND expires_at <= ?")),
    readVersioned: db.prepare(
      `SELECT ${columns}, revision FROM ${t} WHERE collection = ? AND key = ? AND ${live}`,
    ),
    replaceIfRevision: db.prepare(
      `UPDATE ${t} SET value = ?, created_at = ?, expires_at = ?, revision = revision + 1
       WHERE ${matching}`,
    ),
    deleteIfRevision: db.prepare(`DELETE FROM ${t} WHERE ${matching}`),
    touch: db.prepare(
      `UPDATE ${t} SET expires_at = ?, revision = revision + 1
       WHERE collection = ? AND key = ? AND ${live}`,
    ),
    increment: db.prepare(
      `INSERT INTO ${t} (collection, key, value, created_at, expires_at, revision)
       VALUES (@collection, @key, json_object('count', CAST(@by AS INTEGER)), @now, @expiresAt,
       ${firstRevision})
       ON CONFLICT (collection, key) DO UPDATE SET
       value = CASE WHEN ${expired} THEN excluded.value
         ELSE json_object('count', CAST(${storedCount} AS INTEGER) + CAST(@by AS INTEGER)) END,
       created_at = CASE WHEN ${expired} THEN excluded.created_at ELSE created_at END,
       expires_at = CASE WHEN ${expired} OR @refresh THEN excluded.expires_at ELSE expires_at END,
       revision = revision + 1
       WHERE ${expired} OR ${isCounter}
       RETURNING json_extract(value, '$.count') AS count`,
    ),
    putMany: db.transaction((collection: string, rows: readonly PutRow[]) => {
      for (const row of rows) put.run(collection, ...row);
    }),
  };
}

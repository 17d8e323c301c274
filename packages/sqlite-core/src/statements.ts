import type { SqliteConnection, SqliteStatement } from "./connection.ts";
import type { DeletedRow, PutRow, Row, VersionedRow } from "./rows.ts";

/** The named parameters of the increment statement. */
export interface CounterParameters {
  collection: string;
  key: string;
  by: number;
  now: number;
  expiresAt: number | null;
  refresh: 0 | 1;
}

/** Collection, key, revision (bound as an integer), now: the live row that still has that revision. */
export type Match = [string, string, bigint, number];

/** Collection, then the row to write. */
type Put = [string, ...PutRow];

/** Every statement the store runs, prepared once per connection. */
export interface Statements {
  get: SqliteStatement<[string, string, number], Row>;
  getMany: SqliteStatement<[string, string, number], Row>;
  put: SqliteStatement<Put, unknown>;
  delete: SqliteStatement<[string, string], DeletedRow>;
  deleteMany: SqliteStatement<[string, string], DeletedRow>;
  keysPage: SqliteStatement<[string, string, number, number], { key: string }>;
  nextCollection: SqliteStatement<[string], { collection: string }>;
  destroyCollection: SqliteStatement<[string], unknown>;
  destroy: SqliteStatement<[], unknown>;
  cull: SqliteStatement<[number], unknown>;
  insertIfAbsent: SqliteStatement<[...Put, number], unknown>;
  readVersioned: SqliteStatement<[string, string, number], VersionedRow>;
  replaceIfRevision: SqliteStatement<[string, number | null, number | null, ...Match], unknown>;
  deleteIfRevision: SqliteStatement<Match, unknown>;
  touch: SqliteStatement<[number | null, string, string, number], unknown>;
  increment: SqliteStatement<[CounterParameters], { count: number }>;
  /** Writes many rows of one collection in one transaction. */
  putMany: (collection: string, rows: readonly PutRow[]) => void;
}

/** The condition of a live row, given the time now. */
const live = "(expires_at IS NULL OR expires_at > ?)";
/**
 * A new row's revision: a random number below 2^52, so a row written again after a delete (or a
 * cull) does not repeat a revision read before it.
 */
const firstRevision = "(random() & 4503599627370495)";
const maxCount = Number.MAX_SAFE_INTEGER;
const expired = "(expires_at IS NOT NULL AND expires_at <= @now)";
/** The count of a row holding `{ "count": <number> }` and nothing else (in any JSON spelling), else NULL. */
const storedCount = `(CASE WHEN json_valid(value) THEN CASE
  WHEN json_type(value) = 'object' AND json_remove(value, '$.count') = '{}'
   AND json_type(value, '$.count') IN ('integer', 'real')
  THEN json_extract(value, '$.count') END END)`;
/** The row is a counter (a safe integer count) and adding `@by` keeps it a safe integer. */
const isCounter = `(${storedCount} = CAST(${storedCount} AS INTEGER)
  AND abs(${storedCount}) <= ${maxCount} AND abs(${storedCount} + @by) <= ${maxCount})`;

/**
 * Writes a row (a new row gets a random revision, an existing one revision + 1); `onlyWhere`
 * limits the overwrite of an existing row to the rows it matches.
 */
function upsertSql(table: string, onlyWhere = ""): string {
  return `INSERT INTO "${table}" (collection, key, value, created_at, expires_at, version, revision)
     VALUES (?, ?, ?, ?, ?, 1, ${firstRevision})
     ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
     created_at = excluded.created_at, expires_at = excluded.expires_at, version = excluded.version,
     revision = revision + 1${onlyWhere === "" ? "" : ` WHERE ${onlyWhere}`}`;
}

/**
 * Prepares every statement on `table`. Bulk statements take their keys as one JSON array; each
 * atomic operation is one conditional statement, so the condition and the write happen under one
 * write lock, whichever connection or process runs them.
 */
export function prepareStatements(db: SqliteConnection, table: string): Statements {
  const t = `"${table}"`;
  const columns = "key, value, created_at, expires_at";
  const inKeys = "key IN (SELECT value FROM json_each(?))";
  const matching = `collection = ? AND key = ? AND revision = ? AND ${live}`;
  const put = db.prepare<Put, unknown>(upsertSql(table));
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
      `INSERT INTO ${t} (collection, key, value, created_at, expires_at, version, revision)
       VALUES (@collection, @key, json_object('count', CAST(@by AS INTEGER)), @now, @expiresAt,
       1, ${firstRevision})
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

import type Database from "better-sqlite3";

/** One stored row, as read back. Timestamps are epoch milliseconds. */
export interface Row {
  key: string;
  value: string;
  created_at: number | null;
  expires_at: number | null;
}

/** What a delete returns for each row it removed. */
export interface DeletedRow {
  expires_at: number | null;
}

/** One row to write: key, value JSON, created_at, expires_at. */
export type PutRow = readonly [string, string, number | null, number | null];

/** Every statement the store runs, prepared once per connection. */
export interface Statements {
  get: Database.Statement<[string, string, number], Row>;
  getMany: Database.Statement<[string, string, number], Row>;
  put: Database.Statement<[string, string, string, number | null, number | null]>;
  delete: Database.Statement<[string, string], DeletedRow>;
  deleteMany: Database.Statement<[string, string], DeletedRow>;
  keysPage: Database.Statement<[string, string, number, number], string>;
  nextCollection: Database.Statement<[string], string>;
  destroyCollection: Database.Statement<[string]>;
  destroy: Database.Statement<[]>;
  cull: Database.Statement<[number]>;
  /** Writes many rows of one collection in one transaction. */
  putMany: (collection: string, rows: readonly PutRow[]) => void;
}

const live = "(expires_at IS NULL OR expires_at > ?)";

/**
 * The table, and the index on `expires_at` (only rows that expire) when `indexExpiry` is on; when
 * it is off, an index left by an earlier configuration is dropped.
 */
export function schemaSql(table: string, indexExpiry: boolean): string {
  const index = `"${table}_expires_at"`;
  return `CREATE TABLE IF NOT EXISTS "${table}" (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER,
  expires_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (collection, key)
);
${
  indexExpiry
    ? `CREATE INDEX IF NOT EXISTS ${index} ON "${table}" (expires_at) WHERE expires_at IS NOT NULL;`
    : `DROP INDEX IF EXISTS ${index};`
}`;
}

/** Prepares every statement for `table`. Bulk statements take their keys as one JSON array. */
export function prepareStatements(db: Database.Database, table: string): Statements {
  const t = `"${table}"`;
  const columns = "key, value, created_at, expires_at";
  const inKeys = "key IN (SELECT value FROM json_each(?))";
  const put = db.prepare<[string, string, string, number | null, number | null]>(
    `INSERT INTO ${t} (collection, key, value, created_at, expires_at, version) VALUES (?, ?, ?, ?, ?, 1)
     ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
     created_at = excluded.created_at, expires_at = excluded.expires_at, version = excluded.version`,
  );
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
    keysPage: db
      .prepare<[string, string, number, number], string>(
        `SELECT key FROM ${t} WHERE collection = ? AND key > ? AND ${live} ORDER BY key LIMIT ?`,
      )
      .pluck(),
    nextCollection: db
      .prepare<[string], string>(
        `SELECT collection FROM ${t} WHERE collection > ? ORDER BY collection LIMIT 1`,
      )
      .pluck(),
    destroyCollection: db.prepare(`DELETE FROM ${t} WHERE collection = ?`),
    destroy: db.prepare(`DELETE FROM ${t}`),
    cull: db.prepare(`DELETE FROM ${t} WHERE expires_at <= ?`),
    putMany: db.transaction((collection: string, rows: readonly PutRow[]) => {
      for (const row of rows) put.run(collection, ...row);
    }),
  };
}

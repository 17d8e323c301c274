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

/** The condition of a live row, given the time now. */
export const live = "(expires_at IS NULL OR expires_at > ?)";

/**
 * A new row's revision: a random number below 2^52, so a row written again after a delete (or a
 * cull) does not repeat a revision read before it.
 */
export const firstRevision = "(random() & 4503599627370495)";

/** Rows written: one per entry, keyed by (collection, key); timestamps are epoch ms. */
function tableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS "${table}" (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER,
  expires_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  revision INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, key)
)`;
}

/**
 * Creates the table, or adds the `revision` column to a table made before it existed (its rows
 * start at revision 0; the change runs in a write transaction, so concurrent setups do not race).
 * Then the index on `expires_at` (only rows that expire) when `indexExpiry` is on; when it is off,
 * an index left by an earlier configuration is dropped.
 */
export function createSchema(db: Database.Database, table: string, indexExpiry: boolean): void {
  const t = `"${table}"`;
  const index = `"${table}_expires_at"`;
  const hasRevision = () =>
    db
      .prepare<[], string>(`SELECT name FROM pragma_table_info('${table}')`)
      .pluck()
      .all()
      .includes("revision");
  db.exec(tableSql(table));
  if (!hasRevision()) {
    db.transaction(() => {
      if (!hasRevision())
        db.exec(`ALTER TABLE ${t} ADD COLUMN revision INTEGER NOT NULL DEFAULT 0`);
    }).immediate();
  }
  db.exec(
    indexExpiry
      ? `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (expires_at) WHERE expires_at IS NOT NULL`
      : `DROP INDEX IF EXISTS ${index}`,
  );
}

/**
 * Writes a row (a new row gets a random revision, an existing one revision + 1); `onlyWhere`
 * limits the overwrite of an existing row to the rows it matches.
 */
export function upsertSql(table: string, onlyWhere = ""): string {
  return `INSERT INTO "${table}" (collection, key, value, created_at, expires_at, version, revision)
     VALUES (?, ?, ?, ?, ?, 1, ${firstRevision})
     ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
     created_at = excluded.created_at, expires_at = excluded.expires_at, version = excluded.version,
     revision = revision + 1${onlyWhere === "" ? "" : ` WHERE ${onlyWhere}`}`;
}

/** Prepares every statement for `table`. Bulk statements take their keys as one JSON array. */
export function prepareStatements(db: Database.Database, table: string): Statements {
  const t = `"${table}"`;
  const columns = "key, value, created_at, expires_at";
  const inKeys = "key IN (SELECT value FROM json_each(?))";
  const put = db.prepare<[string, string, string, number | null, number | null]>(upsertSql(table));
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

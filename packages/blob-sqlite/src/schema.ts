import type Database from "better-sqlite3";

/** A blob's row: which generation of chunks holds its bytes, and when it expires (epoch ms). */
export interface BlobRow {
  generation: number;
  size: number;
  expires_at: number | null;
}

/** An expired blob found by `cull`. */
export interface ExpiredRow {
  key: string;
  generation: number;
}

/** The condition of a live blob row, given the time now. */
const live = "(expires_at IS NULL OR expires_at > ?)";

/**
 * Three tables: `<table>` (a row per blob, keyed by its key), `<table>_chunks` (its bytes in rows
 * of one generation, numbered from 0) and `<table>_generations` (generations no blob points at:
 * being written, with the time of their last chunk, or left to remove, with `touched_at` NULL).
 * Generations are random integers below 2^48, so a write needs no shared counter.
 */
export function createSchema(db: Database.Database, table: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (
  key TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS "${table}_chunks" (
  generation INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (generation, seq)
);
CREATE TABLE IF NOT EXISTS "${table}_generations" (
  generation INTEGER PRIMARY KEY,
  touched_at INTEGER
);`);
}

/** Every statement the store runs on one connection. */
export interface Statements {
  blob: Database.Statement<[string, number], BlobRow>;
  anyBlob: Database.Statement<[string], BlobRow>;
  has: Database.Statement<[string, number], number>;
  chunks: Database.Statement<[number], Buffer>;
  keysFrom: Database.Statement<[string, string | Buffer, number, number], string>;
  keysAfter: Database.Statement<[string, string | Buffer, number, number], string>;
  upsertBlob: Database.Statement<[string, number, number, number, number | null]>;
  deleteBlob: Database.Statement<[string]>;
  expired: Database.Statement<[number, number], ExpiredRow>;
  startGeneration: Database.Statement<[number, number]>;
  touchGeneration: Database.Statement<[number, number]>;
  finishGeneration: Database.Statement<[number]>;
  discardGeneration: Database.Statement<[number]>;
  abandonStale: Database.Statement<[number]>;
  discarded: Database.Statement<[number], number>;
  insertChunk: Database.Statement<[number, number, Uint8Array]>;
  deleteChunks: Database.Statement<[number, number]>;
  deleteAllChunks: Database.Statement<[number]>;
  forgetGeneration: Database.Statement<[number]>;
}

/** Prepares the statements of `createSchema`'s tables on a connection. */
export function prepareStatements(db: Database.Database, table: string): Statements {
  const blobs = `"${table}"`;
  const chunks = `"${table}_chunks"`;
  const generations = `"${table}_generations"`;
  const keys = (from: ">=" | ">") =>
    db
      .prepare<[string, string | Buffer, number, number], string>(
        `SELECT key FROM ${blobs} WHERE key ${from} ? AND key < ? AND ${live} ORDER BY key LIMIT ?`,
      )
      .pluck();
  return {
    blob: db.prepare(`SELECT generation, size, expires_at FROM ${blobs} WHERE key = ? AND ${live}`),
    anyBlob: db.prepare(`SELECT generation, size, expires_at FROM ${blobs} WHERE key = ?`),
    has: db
      .prepare<[string, number], number>(`SELECT 1 FROM ${blobs} WHERE key = ? AND ${live}`)
      .pluck(),
    chunks: db
      .prepare<[number], Buffer>(`SELECT data FROM ${chunks} WHERE generation = ? ORDER BY seq`)
      .pluck(),
    keysFrom: keys(">="),
    keysAfter: keys(">"),
    upsertBlob: db.prepare(
      `INSERT INTO ${blobs} (key, generation, size, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET generation = excluded.generation, size = excluded.size,
       created_at = excluded.created_at, expires_at = excluded.expires_at`,
    ),
    deleteBlob: db.prepare(`DELETE FROM ${blobs} WHERE key = ?`),
    expired: db.prepare(`SELECT key, generation FROM ${blobs} WHERE expires_at <= ? LIMIT ?`),
    startGeneration: db.prepare(
      `INSERT INTO ${generations} (generation, touched_at) VALUES (?, ?)`,
    ),
    touchGeneration: db.prepare(
      `UPDATE ${generations} SET touched_at = ? WHERE generation = ? AND touched_at IS NOT NULL`,
    ),
    finishGeneration: db.prepare(
      `DELETE FROM ${generations} WHERE generation = ? AND touched_at IS NOT NULL`,
    ),
    discardGeneration: db.prepare(
      `INSERT INTO ${generations} (generation, touched_at) VALUES (?, NULL)
       ON CONFLICT (generation) DO UPDATE SET touched_at = NULL`,
    ),
    abandonStale: db.prepare(`UPDATE ${generations} SET touched_at = NULL WHERE touched_at < ?`),
    discarded: db
      .prepare<[number], number>(
        `SELECT generation FROM ${generations} WHERE touched_at IS NULL LIMIT ?`,
      )
      .pluck(),
    insertChunk: db.prepare(`INSERT INTO ${chunks} (generation, seq, data) VALUES (?, ?, ?)`),
    deleteChunks: db.prepare(
      `DELETE FROM ${chunks} WHERE rowid IN
       (SELECT rowid FROM ${chunks} WHERE generation = ? ORDER BY seq LIMIT ?)`,
    ),
    deleteAllChunks: db.prepare(`DELETE FROM ${chunks} WHERE generation = ?`),
    forgetGeneration: db.prepare(
      `DELETE FROM ${generations} WHERE generation = ? AND touched_at IS NULL`,
    ),
  };
}

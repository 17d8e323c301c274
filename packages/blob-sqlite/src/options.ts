import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BaseBlobStoreOptions } from "@kv/blob";
import Database from "better-sqlite3";

/** How durably SQLite commits (its `synchronous` pragma). */
export type SqliteSynchronous = "off" | "normal" | "full" | "extra";

/** Options shared by both ways of making a `SqliteBlobStore`. */
interface SqliteBlobStoreCommonOptions extends BaseBlobStoreOptions {
  /**
   * The table of blobs; letters, digits and `_`, created when missing with its siblings
   * `<table>_chunks` and `<table>_generations`. @default "kv_blobs"
   */
  table?: string | undefined;
  /** Bytes per chunk row (4 KiB to 64 MiB). @default 524288 (512 KiB) */
  chunkBytes?: number | undefined;
  /**
   * A streamed write that has written no chunk for this long counts as abandoned (its process
   * died): `cull()` removes its chunks, and the write, if it goes on, fails. @default 3600000 (1 hour)
   */
  staleWriteMs?: number | undefined;
}

/** A store on a database file it opens and closes itself. */
export interface SqliteBlobStorePathOptions extends SqliteBlobStoreCommonOptions {
  /** The database file (its directory is created when missing). Opened on first use. */
  path: string;
  /** How long a write waits for another connection's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number | undefined;
  /** SQLite's `synchronous` pragma. @default "normal" (never corrupts; the last commits may be lost on power loss) */
  synchronous?: SqliteSynchronous | undefined;
  /** The page size of a new database file, in bytes (a power of two, 512 to 65536). @default 65536 */
  pageSize?: number | undefined;
  /** Not allowed with `path`. */
  client?: undefined;
}

/** A store on a connection the caller opened (to a file, not `:memory:`); `close()` leaves it open. */
export interface SqliteBlobStoreClientOptions extends SqliteBlobStoreCommonOptions {
  /** An open better-sqlite3 connection to a database file; its pragmas are left as they are. */
  client: Database.Database;
  /** Not allowed with `client`. */
  path?: undefined;
}

/** Options of `SqliteBlobStore`: a `path` to own, or a `client` to borrow. */
export type SqliteBlobStoreOptions = SqliteBlobStorePathOptions | SqliteBlobStoreClientOptions;

/** The options a store works with, checked and with their defaults. */
export interface SqliteBlobSettings {
  table: string;
  chunkBytes: number;
  staleWriteMs: number;
  client: Database.Database | undefined;
  /** The database file (also of a borrowed client): streams read it through connections of their own. */
  path: string;
  busyTimeoutMs: number;
  synchronous: SqliteSynchronous;
  pageSize: number;
}

/**
 * Page cache of the store's own connection, in KiB (better-sqlite3's default is 16 000): chunk
 * pages are read once per stream, so a large cache would only hold memory.
 */
const WRITER_CACHE_KIB = 4096;
/** Page cache of each streaming connection, in KiB: it reads each chunk page once. */
const READER_CACHE_KIB = 1024;

const tableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const synchronousModes: readonly string[] = ["off", "normal", "full", "extra"];

/**
 * Checks the options and fills in the defaults.
 * @throws TypeError for a missing `path`, an in-memory database or a closed client; RangeError
 * for a bad `table`, `chunkBytes`, `staleWriteMs`, `busyTimeoutMs`, `synchronous` or `pageSize`
 */
export function resolveOptions(options: SqliteBlobStoreOptions): SqliteBlobSettings {
  const table = options.table ?? "kv_blobs";
  if (!tableName.test(table)) {
    throw new RangeError(`table must be letters, digits and _, got ${JSON.stringify(table)}`);
  }
  const chunkBytes = options.chunkBytes ?? 512 * 1024;
  checkInteger("chunkBytes", chunkBytes, 4096, 64 * 1024 * 1024);
  const staleWriteMs = options.staleWriteMs ?? 3_600_000;
  checkInteger("staleWriteMs", staleWriteMs, 1, Number.MAX_SAFE_INTEGER);
  const common = { table, chunkBytes, staleWriteMs };
  if (options.client !== undefined) {
    const { client } = options;
    if (client.memory || client.name === "") {
      throw new TypeError("SqliteBlobStore needs a database file, not an in-memory database");
    }
    if (!client.open) throw new TypeError("SqliteBlobStore needs an open client");
    const defaults = { busyTimeoutMs: 5000, synchronous: "normal", pageSize: 65536 } as const;
    return { ...common, ...defaults, client, path: client.name };
  }
  const { path } = options;
  if (typeof path !== "string" || path === "") {
    throw new TypeError("SqliteBlobStore needs a `path` or a `client`");
  }
  if (path === ":memory:" || path.startsWith("file::memory:")) {
    throw new TypeError("SqliteBlobStore needs a database file, not an in-memory database");
  }
  const synchronous = options.synchronous ?? "normal";
  if (!synchronousModes.includes(synchronous)) {
    throw new RangeError(`synchronous must be off, normal, full or extra, got ${synchronous}`);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  checkInteger("busyTimeoutMs", busyTimeoutMs, 0, 2 ** 31 - 1);
  const pageSize = options.pageSize ?? 65536;
  if (!Number.isInteger(Math.log2(pageSize)) || pageSize < 512 || pageSize > 65536) {
    throw new RangeError(`pageSize must be a power of two from 512 to 65536, got ${pageSize}`);
  }
  return { ...common, client: undefined, path, busyTimeoutMs, synchronous, pageSize };
}

/**
 * Opens the store's own connection: a new file gets `pageSize` (large pages suit large rows),
 * then WAL mode (readers never block the writer), `synchronous` and a 4 MiB page cache.
 */
export function openDatabase(settings: SqliteBlobSettings): Database.Database {
  mkdirSync(dirname(settings.path), { recursive: true });
  const db = new Database(settings.path, { timeout: settings.busyTimeoutMs });
  try {
    db.pragma(`page_size = ${settings.pageSize}`);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${settings.synchronous}`);
    db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Opens one more connection to the store's file, for a stream to read in a snapshot of its own,
 * with a 1 MiB page cache.
 */
export function openReader(settings: SqliteBlobSettings): Database.Database {
  const db = new Database(settings.path, { timeout: settings.busyTimeoutMs, fileMustExist: true });
  db.pragma(`cache_size = -${READER_CACHE_KIB}`);
  return db;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

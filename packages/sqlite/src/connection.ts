import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BaseStoreOptions } from "@kv/protocol";
import { type SqliteConnection, tableNameOf } from "@kv/sqlite-core";
import Database from "better-sqlite3";

/** How durably SQLite commits (its `synchronous` pragma). */
export type SqliteSynchronous = "off" | "normal" | "full" | "extra";

/** Options shared by both ways of making a `SqliteStore`. */
interface SqliteStoreCommonOptions extends BaseStoreOptions {
  /** The table holding every collection; letters, digits and `_`, created when missing. @default "kv_entries" */
  table?: string | undefined;
  /**
   * Keep an index on `expires_at`, so `cull()` finds expired rows without reading the table; every
   * write with a TTL then updates a second B-tree (about half the write rate). Turn it on for large
   * tables culled often. Off drops an index an earlier configuration made. @default false
   */
  indexExpiry?: boolean | undefined;
}

/** A store on a database file (or `:memory:`) it opens and closes itself. */
export interface SqliteStorePathOptions extends SqliteStoreCommonOptions {
  /** The database file (its directory is created when missing), or `":memory:"`. Opened on first use. */
  path: string;
  /** How long a write waits for another connection's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number | undefined;
  /** SQLite's `synchronous` pragma. `"normal"` never corrupts; `"full"` also keeps the last commits on power loss. @default "normal" */
  synchronous?: SqliteSynchronous | undefined;
  /** Not allowed with `client`. */
  client?: undefined;
}

/** A store on a connection the caller opened (and configured); `close()` leaves it open. */
export interface SqliteStoreClientOptions extends SqliteStoreCommonOptions {
  /** An open better-sqlite3 connection. Its journal mode and pragmas are left as they are. */
  client: Database.Database;
  /** Not allowed with `client`. */
  path?: undefined;
}

/** Options of `SqliteStore`: a `path` to own, or a `client` to borrow. */
export type SqliteStoreOptions = SqliteStorePathOptions | SqliteStoreClientOptions;

/** The options a store works with, checked and with their defaults. */
export interface SqliteSettings {
  table: string;
  indexExpiry: boolean;
  /** The connection to borrow; `undefined` when the store opens `path` itself. */
  client: Database.Database | undefined;
  path: string | undefined;
  busyTimeoutMs: number;
  synchronous: SqliteSynchronous;
}

const synchronousModes: readonly string[] = ["off", "normal", "full", "extra"];

/**
 * Checks the options and fills in the defaults.
 * @throws TypeError or RangeError when `path`/`client`, `table` or `synchronous` is not acceptable
 */
export function resolveOptions(options: SqliteStoreOptions): SqliteSettings {
  const table = tableNameOf(options.table);
  const indexExpiry = options.indexExpiry ?? false;
  if (options.client !== undefined) {
    return {
      table,
      indexExpiry,
      client: options.client,
      path: undefined,
      busyTimeoutMs: 0,
      synchronous: "normal",
    };
  }
  if (typeof options.path !== "string" || options.path.length === 0) {
    throw new TypeError("SqliteStore needs a `path` or a `client`");
  }
  const synchronous = options.synchronous ?? "normal";
  if (!synchronousModes.includes(synchronous)) {
    throw new RangeError(
      `synchronous must be off, normal, full or extra, got ${String(synchronous)}`,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  return { table, indexExpiry, client: undefined, path: options.path, busyTimeoutMs, synchronous };
}

/** Opens the database file of `settings` (WAL mode, `synchronous`), creating its directory. */
export function openDatabase(settings: SqliteSettings): Database.Database {
  const { path = ":memory:", busyTimeoutMs, synchronous } = settings;
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    if (path !== ":memory:") db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * A better-sqlite3 connection as the store runs on it: it has every call `SqliteConnection` names
 * as it is (only its `prepare` is typed with a conditional type TypeScript cannot match to the
 * interface's generic one).
 */
export function asConnection(db: Database.Database): SqliteConnection {
  return db as SqliteConnection;
}

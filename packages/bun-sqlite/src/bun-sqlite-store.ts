import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BaseStoreOptions } from "@kv/protocol";
import { type OpenedConnection, SqliteTableStore, tableNameOf } from "@kv/sqlite-core";
import { bunConnection } from "./connection.ts";

/** Options of `BunSqliteStore`. */
export interface BunSqliteStoreOptions extends BaseStoreOptions {
  /** The database file (its directory is created when missing), or `":memory:"`. Opened on first use. */
  path: string;
  /** The table holding every collection; letters, digits and `_`, created when missing. @default "kv_entries" */
  table?: string | undefined;
  /** How long a write waits for another connection's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number | undefined;
}

/**
 * A store in one SQLite table through Bun's built-in `bun:sqlite` (Bun only): a row per entry
 * keyed by (collection, key), WAL mode, prepared statements, bulk writes in one transaction. The
 * atomic operations are one conditional statement each, so they hold across connections and
 * processes. The table has the layout of `@kv/sqlite`'s, so either package opens the other's file.
 */
export class BunSqliteStore extends SqliteTableStore {
  /** The database file, or `":memory:"`. */
  readonly path: string;
  private readonly busyTimeoutMs: number;

  /** @throws TypeError or RangeError when `path`, `table` or `busyTimeoutMs` is not acceptable */
  constructor(options: BunSqliteStoreOptions) {
    if (typeof options.path !== "string" || options.path.length === 0) {
      throw new TypeError('BunSqliteStore needs a `path` (a file, or ":memory:")');
    }
    const table = tableNameOf(options.table);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(`busyTimeoutMs must be an integer of 0 or more, got ${busyTimeoutMs}`);
    }
    super(options, { table, indexExpiry: undefined });
    this.path = options.path;
    this.busyTimeoutMs = busyTimeoutMs;
  }

  /** Opens the file (creating it and its directory) in WAL mode with `synchronous = NORMAL`. */
  protected openConnection(): OpenedConnection {
    if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path, { create: true, strict: true });
    try {
      db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
      if (this.path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    } catch (error) {
      db.close();
      throw error;
    }
    return { connection: bunConnection(db), owned: true };
  }
}

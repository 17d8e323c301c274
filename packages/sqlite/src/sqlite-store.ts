import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type BaseStoreOptions,
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  ReadBatcher,
  type StoreClass,
  StoreConnectionError,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import Database from "better-sqlite3";
import { isTransient, readRows, toEntry, toRow } from "./rows.ts";
import {
  type DeletedRow,
  prepareStatements,
  type Row,
  type Statements,
  schemaSql,
} from "./statements.ts";

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
  /** Not allowed with `path`. */
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

/** Rows read per query when enumerating keys. */
const pageSize = 1000;
const tableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const synchronousModes: readonly string[] = ["off", "normal", "full", "extra"];

const SqliteBase: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "close" | "entries"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "cull", "close", "entries");

/**
 * A store in one SQLite table (better-sqlite3): a row per entry keyed by (collection, key), WAL
 * mode, prepared statements, bulk calls as one statement or one transaction.
 */
export class SqliteStore extends SqliteBase {
  /** The table holding the entries. */
  readonly table: string;
  private readonly indexExpiry: boolean;
  private readonly path: string | undefined;
  private readonly busyTimeoutMs: number;
  private readonly synchronous: SqliteSynchronous;
  private readonly owned: boolean;
  private db: Database.Database | undefined;
  private statements: Statements | undefined;
  /** Single reads of one turn of the event loop, run as one statement. */
  private readonly reads = new ReadBatcher<readonly [string, string], Row | undefined>(
    ([collection, key]) => this.prepared().get.get(collection, key, this.clock.now()),
    (pairs) => readRows(this.prepared(), pairs, this.clock.now()),
  );

  /** @throws TypeError or RangeError when `path`/`client`, `table` or `synchronous` is not acceptable */
  constructor(options: SqliteStoreOptions) {
    super(options);
    this.table = options.table ?? "kv_entries";
    this.indexExpiry = options.indexExpiry ?? false;
    if (!tableName.test(this.table)) {
      throw new RangeError(
        `table must be letters, digits and _, got ${JSON.stringify(this.table)}`,
      );
    }
    if (options.client !== undefined) {
      this.db = options.client;
      this.owned = false;
      this.busyTimeoutMs = 0;
      this.synchronous = "normal";
    } else if (typeof options.path === "string" && options.path.length > 0) {
      this.path = options.path;
      this.owned = true;
      this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
      this.synchronous = options.synchronous ?? "normal";
      if (!synchronousModes.includes(this.synchronous)) {
        throw new RangeError(
          `synchronous must be off, normal, full or extra, got ${String(this.synchronous)}`,
        );
      }
    } else {
      throw new TypeError("SqliteStore needs a `path` or a `client`");
    }
  }

  protected override async setup(): Promise<void> {
    try {
      const db = this.db ?? this.openDatabase();
      db.exec(schemaSql(this.table, this.indexExpiry));
      this.statements = prepareStatements(db, this.table);
    } catch (error) {
      if (isTransient(error)) {
        throw new StoreConnectionError({
          message: messageOf(error),
          cause: error,
          operation: "setup",
        });
      }
      throw error;
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const row = await this.reads.read([collection, key]);
    return row === undefined ? undefined : toEntry(row, collection);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const pairs = keys.map((key) => [collection, key] as const);
    const rows = readRows(this.prepared(), pairs, this.clock.now());
    return rows.map((row) => (row === undefined ? undefined : toEntry(row, collection)));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.writer().put.run(collection, ...toRow(key, entry));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    this.writer().putMany(
      collection,
      entries.map(([key, entry]) => toRow(key, entry)),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.countLive(this.writer().delete.all(collection, key)) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    return this.countLive(this.writer().deleteMany.all(collection, JSON.stringify(keys)));
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    let after = "";
    for (;;) {
      const keys = this.prepared().keysPage.all(collection, after, this.clock.now(), pageSize);
      yield* keys;
      const last = keys.at(-1);
      if (last === undefined || keys.length < pageSize) return;
      after = last;
    }
  }

  /** One index seek per collection. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    let after = "";
    for (;;) {
      const next = this.prepared().nextCollection.get(after);
      if (next === undefined) return;
      yield next;
      after = next;
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    return this.writer().destroyCollection.run(collection).changes > 0;
  }

  /** Deletes every row of the store's table (other tables are untouched). */
  protected async dropAll(): Promise<boolean> {
    return this.writer().destroy.run().changes > 0;
  }

  /** One statement (using the index on `expires_at` when `indexExpiry` is on). */
  protected async removeExpired(): Promise<void> {
    this.writer().cull.run(this.clock.now());
  }

  /** Closes the connection when the store opened it; a borrowed `client` stays open. */
  protected async release(): Promise<void> {
    this.reads.flush();
    const db = this.db;
    this.db = undefined;
    this.statements = undefined;
    if (this.owned) db?.close();
  }

  private openDatabase(): Database.Database {
    const path = this.path ?? ":memory:";
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: this.busyTimeoutMs });
    try {
      if (path !== ":memory:") db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${this.synchronous}`);
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    return db;
  }

  /** The statements, for a write: single reads queued before it run first, so none sees it. */
  private writer(): Statements {
    this.reads.flush();
    return this.prepared();
  }

  private prepared(): Statements {
    if (this.statements === undefined || this.db?.open !== true) {
      throw new StoreConnectionError({ message: "The database connection is not open" });
    }
    return this.statements;
  }

  private countLive(rows: DeletedRow[]): number {
    const now = this.clock.now();
    return rows.filter((row) => row.expires_at === null || row.expires_at > now).length;
  }
}

import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type BaseStoreOptions,
  type CounterChange,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  NotACounterError,
  type StoreClass,
  StoreConnectionError,
  type StoredVersion,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { countLive, isTransient, toEntry, toRow } from "./rows.ts";
import { createSchema, type Match, prepareStatements, type Statements } from "./statements.ts";

/** Options of `BunSqliteStore`. */
export interface BunSqliteStoreOptions extends BaseStoreOptions {
  /** The database file (its directory is created when missing), or `":memory:"`. Opened on first use. */
  path: string;
  /** The table holding every collection; letters, digits and `_`, created when missing. @default "kv_entries" */
  table?: string | undefined;
  /** How long a write waits for another connection's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number | undefined;
}

/** Rows read per query when enumerating keys. */
const pageSize = 1000;
const tableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const BunSqliteBase: StoreClass<EnumerationCapability | "close" | AtomicCapability> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "close",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store in one SQLite table through Bun's built-in `bun:sqlite` (Bun only): a row per entry
 * keyed by (collection, key), WAL mode, prepared statements, bulk writes in one transaction. The
 * atomic operations are one conditional statement each, so they hold across connections and
 * processes. The table has the layout of `@kv/sqlite`'s, so either package opens the other's file.
 */
export class BunSqliteStore extends BunSqliteBase {
  /** The database file, or `":memory:"`. */
  readonly path: string;
  /** The table holding the entries. */
  readonly table: string;
  private readonly busyTimeoutMs: number;
  private db: Database | undefined;
  private statements: Statements | undefined;

  /** @throws TypeError or RangeError when `path`, `table` or `busyTimeoutMs` is not acceptable */
  constructor(options: BunSqliteStoreOptions) {
    super(options);
    if (typeof options.path !== "string" || options.path.length === 0) {
      throw new TypeError('BunSqliteStore needs a `path` (a file, or ":memory:")');
    }
    const table = options.table ?? "kv_entries";
    if (!tableName.test(table)) {
      throw new RangeError(`table must be letters, digits and _, got ${JSON.stringify(table)}`);
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(`busyTimeoutMs must be an integer of 0 or more, got ${busyTimeoutMs}`);
    }
    this.path = options.path;
    this.table = table;
    this.busyTimeoutMs = busyTimeoutMs;
  }

  protected override async setup(): Promise<void> {
    let db: Database | undefined;
    try {
      if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
      db = new Database(this.path, { create: true, strict: true });
      db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
      if (this.path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      createSchema(db, this.table);
      this.statements = prepareStatements(db, this.table);
      this.db = db;
    } catch (error) {
      db?.close();
      throw isTransient(error) ? this.mapError(error, { operation: "setup" }) : error;
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const row = this.prepared().get.get(collection, key, this.clock.now());
    return row === null ? undefined : toEntry(row, collection);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const rows = this.prepared().getMany.all(collection, JSON.stringify(keys), this.clock.now());
    const found = new Map(rows.map((row) => [row.key, row]));
    return keys.map((key) => {
      const row = found.get(key);
      return row === undefined ? undefined : toEntry(row, collection);
    });
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.prepared().put.run(collection, ...toRow(key, entry));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    this.prepared().putMany(
      collection,
      entries.map(([key, entry]) => toRow(key, entry)),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return countLive(this.prepared().delete.all(collection, key), this.clock.now()) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const deleted = this.prepared().deleteMany.all(collection, JSON.stringify(keys));
    return countLive(deleted, this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    let after = "";
    for (;;) {
      const rows = this.prepared().keysPage.all(collection, after, this.clock.now(), pageSize);
      for (const row of rows) yield row.key;
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) return;
      after = last.key;
    }
  }

  /** One index seek per collection. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    let after = "";
    for (;;) {
      const next = this.prepared().nextCollection.get(after);
      if (next === null) return;
      yield next.collection;
      after = next.collection;
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    return this.prepared().destroyCollection.run(collection).changes > 0;
  }

  /** Deletes every row of the store's table (other tables are untouched). */
  protected async dropAll(): Promise<boolean> {
    return this.prepared().destroy.run().changes > 0;
  }

  protected async removeExpired(): Promise<void> {
    this.prepared().cull.run(this.clock.now());
  }

  protected async insertEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): Promise<boolean> {
    const row = toRow(key, entry);
    return this.prepared().insertIfAbsent.run(collection, ...row, this.clock.now()).changes === 1;
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    const row = this.prepared().readVersioned.get(collection, key, this.clock.now());
    if (row === null) return undefined;
    return { entry: toEntry(row, collection), version: String(row.revision) };
  }

  protected async replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    const [, value, createdAt, expiresAt] = toRow(key, entry);
    const match = this.match(collection, key, version);
    return (
      this.prepared().replaceIfRevision.run(value, createdAt, expiresAt, ...match).changes === 1
    );
  }

  protected async removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean> {
    return (
      this.prepared().deleteIfRevision.run(...this.match(collection, key, version)).changes === 1
    );
  }

  protected async addToCounter(
    collection: string,
    key: string,
    { by, now, expiresAt, refresh }: CounterChange,
  ): Promise<number> {
    const row = this.prepared().increment.get({
      collection,
      key,
      by,
      now,
      expiresAt: expiresAt ?? null,
      refresh: refresh ? 1 : 0,
    });
    if (row === null) throw new NotACounterError({ operation: "increment", collection, key });
    return row.count;
  }

  protected async touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    const now = this.clock.now();
    return this.prepared().touch.run(expiresAt ?? null, collection, key, now).changes === 1;
  }

  protected async release(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.statements = undefined;
    db?.close();
  }

  /** The parameters naming the live row with the revision in `version` (-1, no row, for a token this store never gave out). */
  private match(collection: string, key: string, version: string): Match {
    const revision = Number(version);
    const valid = Number.isSafeInteger(revision) && String(revision) === version;
    return [collection, key, valid ? revision : -1, this.clock.now()];
  }

  private prepared(): Statements {
    if (this.statements === undefined) {
      throw new StoreConnectionError({ message: "The database connection is not open" });
    }
    return this.statements;
  }
}

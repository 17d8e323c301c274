import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  ReadBatcher,
  type StoreClass,
  StoreConnectionError,
  type StoredVersion,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import type Database from "better-sqlite3";
import { type AtomicOperations, prepareAtomicOperations } from "./atomic.ts";
import {
  openDatabase,
  resolveOptions,
  type SqliteSettings,
  type SqliteStoreOptions,
} from "./connection.ts";
import { countLive, isTransient, readRows, toEntry, toRow } from "./rows.ts";
import { createSchema, prepareStatements, type Row, type Statements } from "./statements.ts";

/** Rows read per query when enumerating keys. */
const pageSize = 1000;

const SqliteBase: StoreClass<EnumerationCapability | "close" | "entries" | AtomicCapability> =
  storeWith(...ENUMERATION_CAPABILITIES, "close", "entries", ...ATOMIC_CAPABILITIES);

/**
 * A store in one SQLite table (better-sqlite3): a row per entry keyed by (collection, key), WAL
 * mode, prepared statements, bulk calls as one statement or one transaction. The atomic
 * operations are one conditional statement each, so they hold across connections and processes.
 */
export class SqliteStore extends SqliteBase {
  /** The table holding the entries. */
  readonly table: string;
  private readonly settings: SqliteSettings;
  private db: Database.Database | undefined;
  private statements: (Statements & AtomicOperations) | undefined;
  /** Single reads of one turn of the event loop, run as one statement. */
  private readonly reads = new ReadBatcher<readonly [string, string], Row | undefined>(
    ([collection, key]) => this.prepared().get.get(collection, key, this.clock.now()),
    (pairs) => readRows(this.prepared(), pairs, this.clock.now()),
  );

  /** @throws TypeError or RangeError when `path`/`client`, `table` or `synchronous` is not acceptable */
  constructor(options: SqliteStoreOptions) {
    super(options);
    this.settings = resolveOptions(options);
    this.table = this.settings.table;
    this.db = this.settings.client;
  }

  protected override async setup(): Promise<void> {
    try {
      this.db ??= openDatabase(this.settings);
      createSchema(this.db, this.table, this.settings.indexExpiry);
      this.statements = {
        ...prepareStatements(this.db, this.table),
        ...prepareAtomicOperations(this.db, this.table),
      };
    } catch (error) {
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
    return countLive(this.writer().delete.all(collection, key), this.clock.now()) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const deleted = this.writer().deleteMany.all(collection, JSON.stringify(keys));
    return countLive(deleted, this.clock.now());
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

  protected async insertEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): Promise<boolean> {
    return this.writer().insertIfAbsent(collection, key, entry, this.clock.now());
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    return this.prepared().readVersioned(collection, key, this.clock.now());
  }

  protected async replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    return this.writer().replaceIfVersion(collection, key, entry, version, this.clock.now());
  }

  protected async removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean> {
    return this.writer().deleteIfVersion(collection, key, version, this.clock.now());
  }

  protected async addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number> {
    return this.writer().addToCounter(collection, key, change);
  }

  protected async touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    return this.writer().touch(collection, key, expiresAt, this.clock.now());
  }

  /** Closes the connection when the store opened it; a borrowed `client` stays open. */
  protected async release(): Promise<void> {
    this.reads.flush();
    const db = this.db;
    this.db = undefined;
    this.statements = undefined;
    if (this.settings.client === undefined) db?.close();
  }

  /** The statements, for a write: single reads queued before it run first, so none sees it. */
  private writer(): Statements & AtomicOperations {
    this.reads.flush();
    return this.prepared();
  }

  private prepared(): Statements & AtomicOperations {
    if (this.statements === undefined || this.db?.open !== true) {
      throw new StoreConnectionError({ message: "The database connection is not open" });
    }
    return this.statements;
  }
}

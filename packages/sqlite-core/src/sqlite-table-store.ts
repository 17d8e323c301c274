import {
  type BaseStoreOptions,
  type Capability,
  type CounterChange,
  capabilityNames,
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  NotACounterError,
  type StoreClass,
  StoreConnectionError,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import type { OpenedConnection } from "./connection.ts";
import { RowEntry } from "./row-entry.ts";
import { countLive, isLockError, toEntry, toRow } from "./rows.ts";
import { notOpen, StatementRunner } from "./runner.ts";
import { createSchema } from "./schema.ts";
import { prepareStatements, type Statements } from "./statements.ts";

/** Where a `SqliteTableStore` keeps its entries. */
export interface SqliteTableLayout {
  /** The table (checked by `tableNameOf`). */
  table: string;
  /**
   * Keep an index on `expires_at` (true), drop one an earlier configuration made (false), or
   * leave the table's indexes as they are (`undefined`).
   */
  indexExpiry: boolean | undefined;
}

const SqliteTableBase: StoreClass<Capability> = storeWith(...capabilityNames);

/**
 * A store in one SQLite table on any synchronous driver: a row per entry keyed by (collection,
 * key), bulk calls as one statement or one transaction, single reads of one turn of the event
 * loop answered by one statement, and each atomic operation one conditional statement (so it
 * holds across connections and processes). A driver's store extends it and only opens its
 * connection.
 */
export abstract class SqliteTableStore extends SqliteTableBase {
  /** The table holding the entries. */
  readonly table: string;
  readonly #indexExpiry: boolean | undefined;
  /** The statements on the open connection, from `setup` to `release`. */
  #runner: StatementRunner | undefined;

  constructor(options: BaseStoreOptions, layout: SqliteTableLayout) {
    super(options);
    this.table = layout.table;
    this.#indexExpiry = layout.indexExpiry;
  }

  /** The connection to run on, opened (or borrowed) on first use. */
  protected abstract openConnection(): OpenedConnection;

  /** True for an error another attempt may get past; by default, a lock another connection holds. */
  protected isTransient(error: unknown): boolean {
    return isLockError(error);
  }

  protected override async setup(): Promise<void> {
    let opened: OpenedConnection | undefined;
    try {
      opened = this.openConnection();
      createSchema(opened.connection, this.table, this.#indexExpiry);
      const statements = prepareStatements(opened.connection, this.table);
      this.#runner = new StatementRunner(opened, statements, this.clock);
    } catch (error) {
      if (opened?.owned === true) opened.connection.close();
      throw this.isTransient(error) ? this.mapError(error, { operation: "setup" }) : error;
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && this.isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const row = await this.#run().readRow(collection, key);
    return row === undefined ? undefined : toEntry(row, collection);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const rows = this.#run().readRows(keys.map((key) => [collection, key] as const));
    return rows.map((row) => (row === undefined ? undefined : toEntry(row, collection)));
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): void {
    this.#writer().put.run(collection, ...toRow(key, entry));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    this.#writer().putMany(
      collection,
      entries.map(([key, entry]) => toRow(key, entry)),
    );
  }

  protected deleteEntry(collection: string, key: string): boolean {
    return countLive(this.#writer().delete.all(collection, key), this.clock.now()) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const deleted = this.#writer().deleteMany.all(collection, JSON.stringify(keys));
    return countLive(deleted, this.clock.now());
  }

  /** Pages through the primary key; no cursor is held between pages. */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    yield* this.#run().keys(collection);
  }

  /** One index seek per collection. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    let next = this.#prepared().nextCollection.get("");
    while (next !== undefined) {
      yield next.collection;
      next = this.#prepared().nextCollection.get(next.collection);
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    return this.#writer().destroyCollection.run(collection).changes > 0;
  }

  /** Deletes every row of the store's table (other tables are untouched). */
  protected async dropAll(): Promise<boolean> {
    return this.#writer().destroy.run().changes > 0;
  }

  /** One statement (a range of the index on `expires_at` when there is one). */
  protected async removeExpired(): Promise<void> {
    this.#writer().cull.run(this.clock.now());
  }

  protected atomicEntry(collection: string, key: string): RowEntry {
    return new RowEntry(this.#run(), collection, key, this.clock);
  }

  protected async addToCounter(
    collection: string,
    key: string,
    { by, now, expiresAt, refresh }: CounterChange,
  ): Promise<number> {
    const parameters = { collection, key, by, now, expiresAt: expiresAt ?? null };
    const row = this.#writer().increment.get({ ...parameters, refresh: refresh ? 1 : 0 });
    if (row === undefined) throw new NotACounterError({ operation: "increment", collection, key });
    return row.count;
  }

  /** Closes the connection when the store opened it; a borrowed one stays open. */
  protected async release(): Promise<void> {
    const runner = this.#runner;
    this.#runner = undefined;
    runner?.close();
  }

  /** The statements, for a write: single reads queued before it run first, so none sees it. */
  #writer(): Statements {
    return this.#run().writer();
  }

  #prepared(): Statements {
    return this.#run().reader();
  }

  #run(): StatementRunner {
    if (this.#runner === undefined) throw notOpen();
    return this.#runner;
  }
}

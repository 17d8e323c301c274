import {
  type Capability,
  type CounterChange,
  capabilityNames,
  type ErrorContext,
  type KeyValueError,
  type ManagedEntry,
  mapStoreError,
  NotACounterError,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { openConnection, type PostgresStoreOptions, tableName } from "./client.ts";
import { isTransient } from "./errors.ts";
import { RowEntry } from "./row-entry.ts";
import { checkName, toColumns, toEntry, toParameters, ttlOf } from "./rows.ts";
import { StatementRunner } from "./runner.ts";
import { type Statements, statementsFor } from "./statements.ts";

const PostgresBase: StoreClass<Capability> = storeWith(...capabilityNames);

/**
 * A store in one PostgreSQL table (pg), in py-key-value's layout: a row per entry keyed by
 * (collection, key), the value as `jsonb`, `timestamptz` expiry with an index. Bulk calls are one
 * statement each (`unnest` upserts, a primary-key lookup per key for reads, a join with the keys for deletes); the atomic operations are one
 * conditional statement each, with the row's `xmin` as the version (see `RowEntry`).
 */
export class PostgresStore extends PostgresBase {
  /** The table holding the entries (lower case). */
  readonly table: string;
  private readonly sql: Statements;
  private readonly db: StatementRunner;

  /**
   * @throws InvalidKeyError for a bad `defaultCollection`; RangeError for a bad `table` or
   * `connectTimeoutMs`; TypeError for a `client` that is not a pg pool or client
   */
  constructor(options: PostgresStoreOptions = {}) {
    super(options);
    this.table = tableName(options);
    this.sql = statementsFor(this.table);
    this.db = new StatementRunner(openConnection(options), this.sql);
  }

  /**
   * Creates the table and its expiry index when the table is missing. An existing table is used
   * as it is, so a role without the CREATE privilege can use a table made for it.
   */
  protected override async setup(): Promise<void> {
    const exists = await this.db.row<{ present: boolean }>(this.sql.tableExists, []);
    if (exists?.present !== true) await this.db.runScript(this.sql.createSchema);
  }

  protected override async setupCollection(collection: string): Promise<void> {
    checkName(collection, "Collection name", { collection });
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return mapStoreError(error, context, isTransient);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    checkName(key, "Key", { operation: "get", collection, key });
    const row = await this.db.readRow(collection, key);
    return row === undefined ? undefined : toEntry(row, collection, key);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    for (const key of keys) checkName(key, "Key", { operation: "getMany", collection, key });
    const rows = await this.db.readRows(collection, keys);
    return rows.map((row, index) => row && toEntry(row, collection, keys[index]));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const context = { operation: "put", collection, key } as const;
    const parameters = toParameters(entry, this.clock.now(), context);
    await this.db.write(this.sql.put, [collection, key, ...parameters]);
  }

  /**
   * One `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE`, rows in key order; the times go
   * as one value each when every entry shares them (as those of one `putMany` do).
   */
  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const { alike, values } = toColumns(collection, entries, this.clock.now());
    await this.db.write(alike ? this.sql.putManyAlike : this.sql.putMany, values);
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    checkName(key, "Key", { operation: "delete", collection, key });
    const { rows } = await this.db.write<{ live: boolean }>(this.sql.delete, [
      collection,
      key,
      this.clock.now(),
    ]);
    return rows[0]?.live === true;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    for (const key of keys) checkName(key, "Key", { operation: "deleteMany", collection, key });
    // Key order, so two writers of overlapping batches lock their rows in the same order.
    const { rows } = await this.db.write<{ live: number }>(this.sql.deleteMany, [
      collection,
      [...keys].sort(),
      this.clock.now(),
    ]);
    return rows[0]?.live ?? 0;
  }

  /** Pages through the primary key, a page of keys per query. */
  protected enumerateKeys(collection: string): AsyncIterable<string> {
    return this.db.list(this.sql.keysPage, "key", (after, limit) => [
      collection,
      after,
      this.clock.now(),
      limit,
    ]);
  }

  /** One index seek per collection (a loose index scan), a page of collections per query. */
  protected enumerateCollections(): AsyncIterable<string> {
    return this.db.list(this.sql.collectionsPage, "collection", (after, limit) => [after, limit]);
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    checkName(collection, "Collection name", { operation: "destroyCollection", collection });
    return ((await this.db.write(this.sql.dropCollection, [collection])).rowCount ?? 0) > 0;
  }

  /** Deletes every row of the store's table; the table and its index stay. */
  protected async dropAll(): Promise<boolean> {
    return ((await this.db.write(this.sql.dropAll, [])).rowCount ?? 0) > 0;
  }

  /** One `DELETE … WHERE expires_at <= now`, a range of the expiry index. */
  protected async removeExpired(): Promise<void> {
    await this.db.write(this.sql.cull, [this.clock.now()]);
  }

  /** Ends the pool when the store made it; a borrowed pool or client stays open. */
  protected async release(): Promise<void> {
    await this.db.close();
  }

  protected atomicEntry(collection: string, key: string): RowEntry {
    return new RowEntry(this.db, this.sql, this.clock, collection, key);
  }

  protected async addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number> {
    const context = { operation: "increment", collection, key } as const;
    checkName(key, "Key", context);
    const { rows } = await this.db.write<{ count: number }>(this.sql.increment, [
      collection,
      key,
      change.by,
      ttlOf(change.expiresAt, change.now),
      change.now,
      change.expiresAt ?? null,
      change.refresh,
    ]);
    const count = rows[0]?.count;
    if (count === undefined) throw new NotACounterError(context);
    return count;
  }
}

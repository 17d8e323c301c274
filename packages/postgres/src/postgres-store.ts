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
  NotACounterError,
  ReadBatcher,
  type StoreClass,
  StoreConnectionError,
  type StoredVersion,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import type pg from "pg";
import { openConnection, type PostgresStoreOptions, type Queryable, tableName } from "./client.ts";
import { isTransient } from "./errors.ts";
import { checkName, type EntryRow, toEntry, toParameters, ttlOf } from "./rows.ts";
import { type Statement, type Statements, statementsFor } from "./statements.ts";

const PostgresBase: StoreClass<EnumerationCapability | "close" | "entries" | AtomicCapability> =
  storeWith(...ENUMERATION_CAPABILITIES, "close", "entries", ...ATOMIC_CAPABILITIES);

/** Keys per page of `keys()`, collections per page of `collections()`. */
const PAGE_SIZE = 1000;
/** A version token: a row's `xmin`, a 32-bit transaction id. */
const xid = /^\d{1,10}$/;

/**
 * A store in one PostgreSQL table (pg), in py-key-value's layout: a row per entry keyed by
 * (collection, key), the value as `jsonb`, `timestamptz` expiry with an index. Bulk calls are one
 * statement each (`unnest` upserts, a primary-key lookup per key for reads, a join with the keys for deletes); the atomic operations are one
 * conditional statement each, with the row's `xmin` as the version.
 */
export class PostgresStore extends PostgresBase {
  /** The table holding the entries (lower case). */
  readonly table: string;
  private readonly queryable: Queryable;
  private readonly ownedPool: pg.Pool | undefined;
  private readonly sql: Statements;
  /** Single reads of one turn of the event loop, sent as one statement. */
  private readonly reads = new ReadBatcher<readonly [string, string], EntryRow | undefined>(
    ([collection, key]) => this.row(this.sql.get, [collection, key]),
    (pairs) => this.readPairs(pairs),
  );

  /**
   * @throws InvalidKeyError for a bad `defaultCollection`; RangeError for a bad `table` or
   * `connectTimeoutMs`; TypeError for a `client` that is not a pg pool or client
   */
  constructor(options: PostgresStoreOptions = {}) {
    super(options);
    this.table = tableName(options);
    this.sql = statementsFor(this.table);
    const { queryable, ownedPool } = openConnection(options);
    this.queryable = queryable;
    this.ownedPool = ownedPool;
  }

  /**
   * Creates the table and its expiry index when the table is missing. An existing table is used
   * as it is, so a role without the CREATE privilege can use a table made for it.
   */
  protected override async setup(): Promise<void> {
    const exists = await this.row<{ present: boolean }>(this.sql.tableExists, []);
    if (exists?.present !== true) await this.queryable.query(this.sql.createSchema);
  }

  protected override async setupCollection(collection: string): Promise<void> {
    checkName(collection, "Collection name", { collection });
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (KeyValueError.isInstance(error) || !isTransient(error)) {
      return toStoreError(error, context);
    }
    return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    checkName(key, "Key", { operation: "get", collection, key });
    const row = await this.reads.read([collection, key]);
    return row === undefined ? undefined : toEntry(row, collection, key);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    for (const key of keys) checkName(key, "Key", { operation: "getMany", collection, key });
    const { rows } = await this.run<EntryRow & { key: string }>(this.sql.getMany, [
      collection,
      keys,
    ]);
    const found = new Map(rows.map((row) => [row.key, row]));
    return keys.map((key) => {
      const row = found.get(key);
      return row === undefined ? undefined : toEntry(row, collection, key);
    });
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const context = { operation: "put", collection, key } as const;
    const parameters = toParameters(entry, this.clock.now(), context);
    await this.write(this.sql.put, [collection, key, ...parameters]);
  }

  /**
   * One `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE`, rows in key order; the times go
   * as one value each when every entry shares them (as those of one `putMany` do).
   */
  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const now = this.clock.now();
    const keys: string[] = [];
    const values: string[] = [];
    const ttls: (number | null)[] = [];
    const created: (number | null)[] = [];
    const expires: (number | null)[] = [];
    let alike = true;
    // Key order, so two writers of overlapping batches lock their rows in the same order.
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, entry] of sorted) {
      const context = { operation: "putMany", collection, key } as const;
      const [json, ttl, createdAt, expiresAt] = toParameters(entry, now, context);
      alike &&= keys.length === 0 || (createdAt === created[0] && expiresAt === expires[0]);
      keys.push(key);
      values.push(json);
      ttls.push(ttl);
      created.push(createdAt);
      expires.push(expiresAt);
    }
    await (alike
      ? this.write(this.sql.putManyAlike, [
          collection,
          keys,
          values,
          ttls[0],
          created[0],
          expires[0],
        ])
      : this.write(this.sql.putMany, [collection, keys, values, ttls, created, expires]));
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    checkName(key, "Key", { operation: "delete", collection, key });
    const { rows } = await this.write<{ live: boolean }>(this.sql.delete, [
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
    const sorted = [...keys].sort();
    const { rows } = await this.write<{ live: number }>(this.sql.deleteMany, [
      collection,
      sorted,
      this.clock.now(),
    ]);
    return rows[0]?.live ?? 0;
  }

  /** Pages through the primary key, `PAGE_SIZE` keys per query; no cursor is held between pages. */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    let after = "";
    for (;;) {
      const { rows } = await this.run<{ key: string }>(this.sql.keysPage, [
        collection,
        after,
        this.clock.now(),
        PAGE_SIZE,
      ]);
      for (const row of rows) yield row.key;
      const last = rows.at(-1);
      if (last === undefined || rows.length < PAGE_SIZE) return;
      after = last.key;
    }
  }

  /** One index seek per collection (a loose index scan), `PAGE_SIZE` collections per query. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    let after = "";
    for (;;) {
      const { rows } = await this.run<{ collection: string }>(this.sql.collectionsPage, [
        after,
        PAGE_SIZE,
      ]);
      for (const row of rows) yield row.collection;
      const last = rows.at(-1);
      if (last === undefined || rows.length < PAGE_SIZE) return;
      after = last.collection;
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    checkName(collection, "Collection name", { operation: "destroyCollection", collection });
    return ((await this.write(this.sql.dropCollection, [collection])).rowCount ?? 0) > 0;
  }

  /** Deletes every row of the store's table; the table and its index stay. */
  protected async dropAll(): Promise<boolean> {
    return ((await this.write(this.sql.dropAll, [])).rowCount ?? 0) > 0;
  }

  /** One `DELETE … WHERE expires_at <= now`, a range of the expiry index. */
  protected async removeExpired(): Promise<void> {
    await this.write(this.sql.cull, [this.clock.now()]);
  }

  /** Ends the pool when the store made it; a borrowed pool or client stays open. */
  protected async release(): Promise<void> {
    this.reads.flush();
    await this.ownedPool?.end();
  }

  protected async insertEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): Promise<boolean> {
    const values = this.conditionalPut("putIfAbsent", collection, key, entry);
    return this.wroteRow(this.sql.insertIfAbsent, values);
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    checkName(key, "Key", { operation: "getVersioned", collection, key });
    const row = await this.row<EntryRow & { version: string }>(this.sql.readVersioned, [
      collection,
      key,
    ]);
    return row === undefined
      ? undefined
      : { entry: toEntry(row, collection, key), version: row.version };
  }

  protected async replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    const values = this.conditionalPut("putIfVersion", collection, key, entry);
    if (!isVersion(version)) return false;
    return this.wroteRow(this.sql.replaceIfVersion, [...values, version]);
  }

  protected async removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean> {
    checkName(key, "Key", { operation: "deleteIfVersion", collection, key });
    if (!isVersion(version)) return false;
    const values = [collection, key, this.clock.now(), version];
    return this.wroteRow(this.sql.deleteIfVersion, values);
  }

  protected async addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number> {
    const context = { operation: "increment", collection, key } as const;
    checkName(key, "Key", context);
    const { rows } = await this.write<{ count: number }>(this.sql.increment, [
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

  protected async touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    checkName(key, "Key", { operation: "touch", collection, key });
    const now = this.clock.now();
    const values = [collection, key, ttlOf(expiresAt, now), expiresAt ?? null, now];
    return this.wroteRow(this.sql.touch, values);
  }

  /** Single reads queued together: one statement joining the (collection, key) pairs. */
  private async readPairs(
    pairs: readonly (readonly [string, string])[],
  ): Promise<(EntryRow | undefined)[]> {
    const { rows } = await this.run<EntryRow & { i: number }>(this.sql.getPairs, [
      pairs.map(([collection]) => collection),
      pairs.map(([, key]) => key),
    ]);
    const found: (EntryRow | undefined)[] = new Array(pairs.length).fill(undefined);
    for (const row of rows) found[row.i - 1] = row;
    return found;
  }

  private async row<R extends pg.QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ): Promise<R | undefined> {
    return (await this.run<R>(statement, values)).rows[0];
  }

  /**
   * The parameters of a conditional write of `entry`: `put`'s, then the time now.
   * @throws InvalidKeyError or SerializationError for a key or value PostgreSQL cannot hold
   */
  private conditionalPut(
    operation: "putIfAbsent" | "putIfVersion",
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): unknown[] {
    const now = this.clock.now();
    return [collection, key, ...toParameters(entry, now, { operation, collection, key }), now];
  }

  /** Runs a write; single reads queued before it run first, so none of them sees it. */
  private write<R extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.reads.flush();
    return this.run<R>(statement, values);
  }

  /** Runs a conditional write: `true` when it wrote (or deleted) the row. */
  private async wroteRow(statement: Statement, values: unknown[]): Promise<boolean> {
    return (await this.write(statement, values)).rows.length === 1;
  }

  private run<R extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return this.queryable.query<R>({ name: statement.name, text: statement.text, values });
  }
}

/** True for a token that can be a row's `xmin` (a 32-bit transaction id). */
function isVersion(version: string): boolean {
  return xid.test(version) && Number(version) <= 0xffffffff;
}

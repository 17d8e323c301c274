import type { BaseStoreOptions } from "@kv/protocol";
import pg from "pg";

/** Options every way of constructing a `PostgresStore` accepts. */
export interface PostgresStoreCommonOptions extends BaseStoreOptions {
  /**
   * The table holding every collection: letters, digits and `_`, not starting with a digit, at
   * most 63 characters; folded to lower case as PostgreSQL folds an unquoted name. Created with
   * its index on first use when missing. @default "kv_store"
   */
  table?: string | undefined;
}

/** Connect with a connection string; the store owns its pool and `close()` ends it. */
export interface PostgresStoreUrlOptions extends PostgresStoreCommonOptions {
  /**
   * A `postgres://` or `postgresql://` connection string. @default pg's defaults: the `PG*`
   * environment variables, else localhost:5432
   */
  url?: string | undefined;
  /**
   * How long a call waits for a new connection before failing with `StoreConnectionError`.
   * @default 5000
   */
  connectTimeoutMs?: number | undefined;
  /** More pg pool options (`max`, `ssl`, `statement_timeout` ...), applied over the store's. @default {} */
  poolOptions?: Omit<pg.PoolConfig, "connectionString"> | undefined;
}

/** Use an existing pg pool or client; the store never ends it. */
export interface PostgresStoreClientOptions extends PostgresStoreCommonOptions {
  /** A `pg.Pool`, or a connected `pg.Client` (its queries run one at a time), borrowed. */
  client: pg.Pool | pg.ClientBase;
}

/** Options of `PostgresStore`: a borrowed pool or client, or a connection string. */
export type PostgresStoreOptions = PostgresStoreClientOptions | PostgresStoreUrlOptions;

/** What the store sends its statements through. */
export type Queryable = Pick<pg.Pool, "query">;

/** py-key-value's table. */
export const DEFAULT_TABLE = "kv_store";
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The table name as PostgreSQL stores it (lower case).
 * @throws RangeError when it is not a plain identifier of at most 63 characters
 */
export function tableName(options: PostgresStoreCommonOptions): string {
  const table = options.table ?? DEFAULT_TABLE;
  if (typeof table !== "string" || !identifier.test(table)) {
    throw new RangeError(
      `table must be letters, digits and _ (not starting with a digit), at most 63 characters, got ${JSON.stringify(table)}`,
    );
  }
  return table.toLowerCase();
}

/** The connection the store uses, and the pool it must end (only when it made it). */
export interface Connection {
  queryable: Queryable;
  ownedPool: pg.Pool | undefined;
}

/**
 * Opens the store's connection: the borrowed pool or client, or a pool of its own for `url`.
 * @throws TypeError when `client` is not a pg pool or client; RangeError for a bad timeout
 */
export function openConnection(options: PostgresStoreOptions): Connection {
  if ("client" in options && options.client !== undefined) {
    if (typeof (options.client as Partial<Queryable>).query !== "function") {
      throw new TypeError("client must be a pg Pool or Client");
    }
    return { queryable: options.client as Queryable, ownedPool: undefined };
  }
  const owned = options as PostgresStoreUrlOptions;
  const timeout = owned.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw new RangeError(
      `connectTimeoutMs must be a positive number of milliseconds, got ${String(timeout)}`,
    );
  }
  const pool = new pg.Pool({
    ...(owned.url === undefined ? {} : { connectionString: owned.url }),
    connectionTimeoutMillis: timeout,
    ...owned.poolOptions,
  });
  // An idle connection the server drops is replaced on the next call; without a listener the
  // pool's "error" event would end the process.
  pool.on("error", () => {});
  return { queryable: pool, ownedPool: pool };
}

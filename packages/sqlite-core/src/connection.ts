/** A prepared statement: the calls better-sqlite3 and bun:sqlite statements both offer. */
export interface SqliteStatement<Parameters extends unknown[], Row> {
  /** The first row, or `undefined` when there is none. */
  get(...parameters: Parameters): Row | undefined;
  /** Every row. */
  all(...parameters: Parameters): Row[];
  /** Runs a write; `changes` is how many rows it wrote or deleted. */
  run(...parameters: Parameters): { changes: number };
}

/** A function that runs its body in one transaction (`immediate`: one that takes the write lock first). */
export interface SqliteTransaction<Arguments extends unknown[]> {
  (...args: Arguments): void;
  immediate(...args: Arguments): void;
}

/**
 * A synchronous SQLite connection as the store uses it. A better-sqlite3 `Database` is one as it
 * is; a driver whose calls differ (bun:sqlite's `get` answers `null`) is wrapped to fit.
 */
export interface SqliteConnection {
  /** False once the connection is closed. */
  readonly open: boolean;
  /** Compiles one statement; named parameters are bound from an object without their `@`. */
  prepare<Parameters extends unknown[], Row>(sql: string): SqliteStatement<Parameters, Row>;
  /** Runs SQL that returns no rows. */
  exec(sql: string): unknown;
  /** Makes `body` a function that runs in one transaction. */
  transaction<Arguments extends unknown[]>(
    body: (...args: Arguments) => void,
  ): SqliteTransaction<Arguments>;
  /** Closes the connection. */
  close(): unknown;
}

/** The connection a store runs on, and whether the store closes it (never a borrowed one). */
export interface OpenedConnection {
  connection: SqliteConnection;
  owned: boolean;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The table a store uses: `table`, or `"kv_entries"` when it is undefined.
 * @throws RangeError when it is not letters, digits and `_` (not starting with a digit)
 */
export function tableNameOf(table: string | undefined): string {
  const name = table ?? "kv_entries";
  if (!identifier.test(name)) {
    throw new RangeError(`table must be letters, digits and _, got ${JSON.stringify(name)}`);
  }
  return name;
}

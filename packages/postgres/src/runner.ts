import { ReadBatcher } from "@kv/protocol";
import type pg from "pg";
import type { Connection, Queryable } from "./client.ts";
import type { EntryRow } from "./rows.ts";
import type { Statement, Statements } from "./statements.ts";

/** Rows per page of a listing (`keys()`, `collections()`). */
const PAGE_SIZE = 1000;

/**
 * Runs the store's prepared statements on its pool or client. Single reads of one turn of the
 * event loop go as one statement; every write first runs the single reads queued before it, so
 * none of them sees it.
 */
export class StatementRunner {
  readonly #queryable: Queryable;
  readonly #ownedPool: pg.Pool | undefined;
  readonly #sql: Statements;
  readonly #reads = new ReadBatcher<readonly [string, string], EntryRow | undefined>(
    ([collection, key]) => this.row(this.#sql.get, [collection, key]),
    (pairs) => this.#readPairs(pairs),
  );

  constructor(connection: Connection, sql: Statements) {
    this.#queryable = connection.queryable;
    this.#ownedPool = connection.ownedPool;
    this.#sql = sql;
  }

  /** Reads the row of one key, together with the other single reads of this turn. */
  readRow(collection: string, key: string): Promise<EntryRow | undefined> {
    return this.#reads.read([collection, key]);
  }

  /** Reads the rows of many keys of one collection in one statement, in the keys' order. */
  async readRows(collection: string, keys: readonly string[]): Promise<(EntryRow | undefined)[]> {
    const { rows } = await this.#run<EntryRow & { key: string }>(this.#sql.getMany, [
      collection,
      keys,
    ]);
    const found = new Map(rows.map((row) => [row.key, row]));
    return keys.map((key) => found.get(key));
  }

  /** Runs a statement as it is, with no reads flushed. */
  #run<R extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return this.#queryable.query<R>({ name: statement.name, text: statement.text, values });
  }

  /** Runs statements without parameters, unprepared, as one simple query. */
  async runScript(text: string): Promise<void> {
    await this.#queryable.query(text);
  }

  /** The first row a statement returns, or `undefined`. */
  async row<R extends pg.QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ): Promise<R | undefined> {
    return (await this.#run<R>(statement, values)).rows[0];
  }

  /** Runs a write; single reads queued before it run first, so none of them sees it. */
  write<R extends pg.QueryResultRow = pg.QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.#reads.flush();
    return this.#run<R>(statement, values);
  }

  /** Runs a conditional write: `true` when it wrote (or deleted) the row. */
  async wroteRow(statement: Statement, values: unknown[]): Promise<boolean> {
    return (await this.write(statement, values)).rows.length === 1;
  }

  /**
   * Lists a text column in order, a page per query: `values` gives a page's parameters from the
   * last value of the page before (`""` at first) and the page size. No cursor is held between
   * pages.
   */
  async *list<C extends string>(
    statement: Statement,
    column: C,
    values: (after: string, limit: number) => unknown[],
  ): AsyncGenerator<string, void, undefined> {
    let after = "";
    for (;;) {
      const { rows } = await this.#run<Record<C, string>>(statement, values(after, PAGE_SIZE));
      for (const row of rows) yield row[column];
      const last = rows.at(-1);
      if (last === undefined || rows.length < PAGE_SIZE) return;
      after = last[column];
    }
  }

  /** Runs the queued single reads, then ends the pool when the store made it. */
  async close(): Promise<void> {
    this.#reads.flush();
    await this.#ownedPool?.end();
  }

  /** Single reads queued together: one statement joining the (collection, key) pairs. */
  async #readPairs(
    pairs: readonly (readonly [string, string])[],
  ): Promise<(EntryRow | undefined)[]> {
    const { rows } = await this.#run<EntryRow & { i: number }>(this.#sql.getPairs, [
      pairs.map(([collection]) => collection),
      pairs.map(([, key]) => key),
    ]);
    const found: (EntryRow | undefined)[] = new Array(pairs.length).fill(undefined);
    for (const row of rows) found[row.i - 1] = row;
    return found;
  }
}

import { type Clock, ReadBatcher, StoreConnectionError } from "@kv/protocol";
import type { OpenedConnection } from "./connection.ts";
import type { Row } from "./rows.ts";
import type { Statements } from "./statements.ts";

/** Rows read per query when enumerating keys. */
const pageSize = 1000;

/**
 * Runs the store's prepared statements on its connection. Single reads of one turn of the event
 * loop go as one statement; every write first runs the single reads queued before it, so none of
 * them sees it.
 */
export class StatementRunner {
  readonly #opened: OpenedConnection;
  readonly #statements: Statements;
  readonly #clock: Clock;
  #closed = false;
  readonly #reads = new ReadBatcher<readonly [string, string], Row | undefined>(
    ([collection, key]) => this.reader().get.get(collection, key, this.#clock.now()),
    (pairs) => this.readRows(pairs),
  );

  constructor(opened: OpenedConnection, statements: Statements, clock: Clock) {
    this.#opened = opened;
    this.#statements = statements;
    this.#clock = clock;
  }

  /**
   * The statements, for a read.
   * @throws StoreConnectionError once the runner or the connection is closed
   */
  reader(): Statements {
    if (this.#closed || this.#opened.connection.open !== true) throw notOpen();
    return this.#statements;
  }

  /**
   * The statements, for a write: single reads queued before it run first, so none sees it.
   * @throws StoreConnectionError once the runner or the connection is closed
   */
  writer(): Statements {
    this.#reads.flush();
    return this.reader();
  }

  /** Reads the row of one live entry, together with the other single reads of this turn. */
  readRow(collection: string, key: string): Promise<Row | undefined> {
    return this.#reads.read([collection, key]);
  }

  /** Rows of live entries for `(collection, key)` pairs, in order: one statement per collection. */
  readRows(pairs: readonly (readonly [string, string])[]): (Row | undefined)[] {
    const { getMany } = this.reader();
    const now = this.#clock.now();
    const byCollection = new Map<string, Map<string, Row>>();
    for (const [collection] of pairs) byCollection.set(collection, new Map());
    for (const [collection, found] of byCollection) {
      const keys = pairs.flatMap(([named, key]) => (named === collection ? [key] : []));
      for (const row of getMany.all(collection, JSON.stringify(keys), now)) {
        found.set(row.key, row);
      }
    }
    return pairs.map(([collection, key]) => byCollection.get(collection)?.get(key));
  }

  /** The live keys of a collection in order, `pageSize` per query; no cursor is held between pages. */
  *keys(collection: string): Generator<string, void, undefined> {
    let after = "";
    for (;;) {
      const rows = this.reader().keysPage.all(collection, after, this.#clock.now(), pageSize);
      for (const row of rows) yield row.key;
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) return;
      after = last.key;
    }
  }

  /** Runs the queued single reads, then closes the connection when the store opened it. */
  close(): void {
    this.#reads.flush();
    this.#closed = true;
    if (this.#opened.owned) this.#opened.connection.close();
  }
}

/** The error of a call made while the store has no open connection. */
export function notOpen(): StoreConnectionError {
  return new StoreConnectionError({ message: "The database connection is not open" });
}

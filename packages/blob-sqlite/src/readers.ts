import type Database from "better-sqlite3";
import type { BlobRow } from "./schema.ts";

/** A connection of its own for streams, with the statements they run. */
export interface Reader {
  readonly db: Database.Database;
  readonly begin: Database.Statement<[]>;
  readonly commit: Database.Statement<[]>;
  readonly blob: Database.Statement<[string, number], BlobRow>;
  readonly chunks: Database.Statement<[number], Buffer>;
}

/**
 * Connections for streaming reads, kept for reuse up to `maxIdle`. A stream holds one for its
 * whole read, inside one read transaction: in WAL mode that is a snapshot, so a blob replaced or
 * deleted meanwhile (by this process or another) is still read whole, as it was.
 */
export class ReaderPool {
  readonly #open: () => Database.Database;
  readonly #table: string;
  readonly #maxIdle: number;
  readonly #idle: Reader[] = [];
  #closed = false;

  constructor(open: () => Database.Database, table: string, maxIdle = 2) {
    this.#open = open;
    this.#table = table;
    this.#maxIdle = maxIdle;
  }

  /** An idle connection, or a new one. */
  acquire(): Reader {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    const db = this.#open();
    try {
      return {
        db,
        begin: db.prepare("BEGIN"),
        commit: db.prepare("COMMIT"),
        blob: db.prepare(
          `SELECT generation, size, expires_at FROM "${this.#table}" WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)`,
        ),
        chunks: db
          .prepare<[number], Buffer>(
            `SELECT data FROM "${this.#table}_chunks" WHERE generation = ? ORDER BY seq`,
          )
          .pluck(),
      };
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Ends the reader's transaction and keeps it for reuse (or closes it). */
  release(reader: Reader): void {
    try {
      if (reader.db.inTransaction) reader.commit.run();
    } catch {
      reader.db.close();
      return;
    }
    if (this.#closed || this.#idle.length >= this.#maxIdle) reader.db.close();
    else this.#idle.push(reader);
  }

  /** Closes the idle connections; those still streaming close when released. */
  close(): void {
    this.#closed = true;
    for (const reader of this.#idle.splice(0)) reader.db.close();
  }
}

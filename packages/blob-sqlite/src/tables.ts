import { randomInt } from "node:crypto";
import { StoreError } from "@kv/protocol";
import type Database from "better-sqlite3";
import { type BlobRow, createSchema, prepareStatements, type Statements } from "./schema.ts";

/** When a blob is written: epoch ms now, and of its expiry. */
export interface Stamp {
  createdAt: number;
  expiresAt: number | null;
}

/** Chunk rows removed per transaction when freeing a generation. */
const DELETE_BATCH = 8;

/**
 * The store's work on its own connection, each method synchronous and each write one short
 * `BEGIN IMMEDIATE` transaction. A blob row points at one generation of chunk rows; a write fills
 * a new generation and then points the blob at it in one transaction, so readers see the old
 * blob or the new one, whole. The generation it replaced is freed at once when small, otherwise
 * handed back to be freed in batches (`freeStep`).
 */
export class BlobTables {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  /** Blobs up to this size are freed inside the transaction that replaces or deletes them. */
  readonly #freeInline: number;

  constructor(db: Database.Database, table: string, chunkBytes: number) {
    createSchema(db, table);
    this.#db = db;
    this.#statements = prepareStatements(db, table);
    this.#freeInline = 4 * chunkBytes;
  }

  /** The connection is still open. */
  get open(): boolean {
    return this.#db.open;
  }

  /** True when a live blob is stored under the key. */
  has(key: string, now: number): boolean {
    return this.#statements.has.get(key, now) !== undefined;
  }

  /**
   * The whole live blob, read in one transaction.
   * @throws StoreError when its chunks do not add up to its size
   */
  read(key: string, now: number): Buffer | undefined {
    return this.#db.transaction(() => {
      const row = this.#statements.blob.get(key, now);
      if (row === undefined) return undefined;
      return readChunks(this.#statements.chunks, row, key);
    })();
  }

  /** One page of live keys `>= from` (or `> from`) and `< upper`, in key order. */
  keys(
    from: string,
    inclusive: boolean,
    upper: string | Buffer,
    now: number,
    limit: number,
  ): string[] {
    const statement = inclusive ? this.#statements.keysFrom : this.#statements.keysAfter;
    return statement.all(from, upper, now, limit);
  }

  /** Writes a blob held in memory in one transaction; returns a generation to free, if any. */
  writeWhole(key: string, chunks: readonly Uint8Array[], stamp: Stamp): number | undefined {
    return retryOnCollision(() =>
      this.#db
        .transaction(() => {
          const generation = newGeneration();
          for (const [seq, chunk] of chunks.entries()) {
            this.#statements.insertChunk.run(generation, seq, chunk);
          }
          return this.#install(key, generation, sizeOf(chunks), stamp);
        })
        .immediate(),
    );
  }

  /** The live blob's row, with its bytes when it has at most `inline` bytes, in one transaction. */
  lookup(
    key: string,
    now: number,
    inline: number,
  ): { row: BlobRow; bytes: Buffer | undefined } | undefined {
    return this.#db.transaction(() => {
      const row = this.#statements.blob.get(key, now);
      if (row === undefined) return undefined;
      const bytes = row.size <= inline ? readChunks(this.#statements.chunks, row, key) : undefined;
      return { row, bytes };
    })();
  }

  /** Starts a generation for a streamed write; nothing points at it yet. */
  startStaged(now: number): number {
    return retryOnCollision(() => {
      const generation = newGeneration();
      this.#statements.startGeneration.run(generation, now);
      return generation;
    });
  }

  /**
   * Adds the next chunk of a streamed write.
   * @throws StoreError when the write was found abandoned (its chunks are being removed)
   */
  appendStaged(generation: number, seq: number, chunk: Uint8Array, now: number): void {
    this.#db
      .transaction(() => {
        if (this.#statements.touchGeneration.run(now, generation).changes === 0) {
          throw abandoned();
        }
        this.#statements.insertChunk.run(generation, seq, chunk);
      })
      .immediate();
  }

  /**
   * Points the key at a fully written generation; returns a generation to free, if any.
   * @throws StoreError when the write was found abandoned
   */
  finishStaged(key: string, generation: number, size: number, stamp: Stamp): number | undefined {
    return this.#db
      .transaction(() => {
        if (this.#statements.finishGeneration.run(generation).changes === 0) throw abandoned();
        return this.#install(key, generation, size, stamp);
      })
      .immediate();
  }

  /** Marks a generation for removal (a failed write's, or one found abandoned). */
  discard(generation: number): void {
    this.#statements.discardGeneration.run(generation);
  }

  /**
   * Deletes the key's blob; `deleted` is true when it was live, `free` a generation to free.
   */
  delete(key: string, now: number): { deleted: boolean; free: number | undefined } {
    return this.#db
      .transaction(() => {
        const row = this.#statements.anyBlob.get(key);
        if (row === undefined) return { deleted: false, free: undefined };
        this.#statements.deleteBlob.run(key);
        const live = row.expires_at === null || row.expires_at > now;
        return { deleted: live, free: this.#retire(row) };
      })
      .immediate();
  }

  /**
   * Removes up to `limit` expired blobs and marks writes idle since `staleBefore` as abandoned;
   * returns how many blobs it removed.
   */
  cullStep(now: number, staleBefore: number, limit: number): number {
    return this.#db
      .transaction(() => {
        this.#statements.abandonStale.run(staleBefore);
        const expired = this.#statements.expired.all(now, limit);
        for (const row of expired) {
          this.#statements.deleteBlob.run(row.key);
          this.#statements.discardGeneration.run(row.generation);
        }
        return expired.length;
      })
      .immediate();
  }

  /** Up to `limit` generations marked for removal. */
  discarded(limit: number): number[] {
    return this.#statements.discarded.all(limit);
  }

  /** Removes a few chunks of a discarded generation; false once it is gone entirely. */
  freeStep(generation: number): boolean {
    if (this.#statements.deleteChunks.run(generation, DELETE_BATCH).changes > 0) return true;
    this.#statements.forgetGeneration.run(generation);
    return false;
  }

  #install(key: string, generation: number, size: number, stamp: Stamp): number | undefined {
    const old = this.#statements.anyBlob.get(key);
    this.#statements.upsertBlob.run(key, generation, size, stamp.createdAt, stamp.expiresAt);
    return old === undefined ? undefined : this.#retire(old);
  }

  /** Frees a generation no blob points at any more: now when small, else later. */
  #retire(row: BlobRow): number | undefined {
    if (row.size <= this.#freeInline) {
      this.#statements.deleteAllChunks.run(row.generation);
      return undefined;
    }
    this.#statements.discardGeneration.run(row.generation);
    return row.generation;
  }
}

/**
 * The blob's bytes from its chunk rows, on the connection of `chunks`.
 * @throws StoreError when the chunks do not add up to the blob's size
 */
export function readChunks(
  chunks: Database.Statement<[number], Buffer>,
  row: BlobRow,
  key: string,
): Buffer {
  const bytes = Buffer.allocUnsafe(row.size);
  let offset = 0;
  for (const data of chunks.iterate(row.generation)) {
    if (offset + data.byteLength > row.size) throw corrupt(key);
    bytes.set(data, offset);
    offset += data.byteLength;
  }
  if (offset !== row.size) throw corrupt(key);
  return bytes;
}

function newGeneration(): number {
  return randomInt(1, 2 ** 48);
}

/** Runs a write again with another random generation when the one it drew was taken. */
function retryOnCollision<T>(write: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return write();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== "SQLITE_CONSTRAINT_PRIMARYKEY" || attempt === 3) throw error;
    }
  }
}

function sizeOf(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((total, chunk) => total + chunk.byteLength, 0);
}

function abandoned(): StoreError {
  return new StoreError({
    message: "The write was abandoned: no chunk arrived within staleWriteMs and cull() removed it",
  });
}

/** A blob whose chunk rows do not match its size. */
export function corrupt(key: string): StoreError {
  return new StoreError({ key, message: "The blob's chunk rows do not add up to its size" });
}

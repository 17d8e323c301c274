import { setImmediate as nextTurn } from "node:timers/promises";
import {
  BaseBlobStore,
  type BlobTtl,
  type BlobWriteOptions,
  EXTENDED_KEY_REGEXP,
  MissingKeyError,
  rechunk,
  singleChunk,
} from "@kv/blob";
import {
  type ErrorContext,
  KeyValueError,
  messageOf,
  StoreClosedError,
  StoreConnectionError,
  toStoreError,
} from "@kv/protocol";
import type Database from "better-sqlite3";
import { upperBound } from "./key-range.ts";
import {
  openDatabase,
  openReader,
  resolveOptions,
  type SqliteBlobSettings,
  type SqliteBlobStoreOptions,
} from "./options.ts";
import { ReaderPool } from "./readers.ts";
import { BlobTables, readChunks, type Stamp } from "./tables.ts";

/** Keys read per query when listing. */
const PAGE = 500;
/** Blobs held in memory up to this many chunks are written in one transaction. */
const WHOLE_CHUNKS = 8;
/** Streams that end within this many chunks are collected and written in one transaction. */
const WHOLE_STREAM_CHUNKS = 4;

/**
 * Blobs in SQLite (better-sqlite3, WAL mode): a row per blob in `<table>` pointing at a generation
 * of chunk rows in `<table>_chunks`. A streamed `put` writes its chunks one short transaction at a
 * time into a new generation, then points the key at it in one more, so memory stays bounded,
 * readers (of any process) see the old blob or the new one whole, and concurrent writers of a key
 * leave one of their blobs. `open` streams chunk by chunk inside a read snapshot of its own
 * connection. With TTL; `cull()` removes expired blobs and abandoned writes.
 */
export class SqliteBlobStore extends BaseBlobStore implements BlobTtl {
  /** `put` accepts `ttl`; expired blobs read as missing and `cull()` removes them. */
  readonly ttlSupport = true as const;
  /** The table of blobs (chunks are in `<table>_chunks`). */
  readonly table: string;
  /** Bytes per chunk row. */
  readonly chunkBytes: number;
  readonly #settings: SqliteBlobSettings;
  #db: Database.Database | undefined;
  #tables: BlobTables | undefined;
  #readers: ReaderPool | undefined;

  /** @throws TypeError or RangeError for options it cannot use (see `SqliteBlobStoreOptions`) */
  constructor(options: SqliteBlobStoreOptions) {
    super({ keyPattern: options.keyPattern ?? EXTENDED_KEY_REGEXP });
    this.#settings = resolveOptions(options);
    this.table = this.#settings.table;
    this.chunkBytes = this.#settings.chunkBytes;
  }

  /**
   * Removes expired blobs, writes idle for longer than `staleWriteMs` (a process that died while
   * writing) and the chunks of replaced blobs still waiting to be freed; returns how many expired
   * blobs it removed.
   * @throws StoreClosedError, StoreError
   */
  async cull(): Promise<number> {
    if (this.isClosed) throw new StoreClosedError({ operation: "cull" });
    try {
      const tables = this.#open();
      let removed = 0;
      for (let count = -1; count !== 0; ) {
        const now = Date.now();
        count = tables.cullStep(now, now - this.#settings.staleWriteMs, PAGE);
        removed += count;
      }
      for (let batch = tables.discarded(PAGE); batch.length > 0; batch = tables.discarded(PAGE)) {
        for (const generation of batch) await this.#free(generation);
      }
      return removed;
    } catch (error) {
      throw this.mapError(error, { operation: "cull" });
    }
  }

  protected override async setup(): Promise<void> {
    this.#open();
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const found = this.#tablesOf().lookup(key, Date.now(), this.chunkBytes);
    if (found === undefined) return undefined;
    if (found.bytes !== undefined) return singleChunk(found.bytes);
    return this.#stream(key);
  }

  protected override async readBytes(key: string): Promise<Uint8Array | undefined> {
    return this.#tablesOf().read(key, Date.now());
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    return this.#tablesOf().has(key, Date.now());
  }

  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    options: BlobWriteOptions,
  ): Promise<void> {
    if (bytes.byteLength > WHOLE_CHUNKS * this.chunkBytes) {
      return this.writeBlob(key, singleChunk(bytes), options);
    }
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.byteLength; offset += this.chunkBytes) {
      chunks.push(bytes.subarray(offset, offset + this.chunkBytes));
    }
    await this.#free(this.#tablesOf().writeWhole(key, chunks, stamp(options.ttl)));
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<void> {
    // The chunks collected, the one being filled and the one written: buffers reused after that.
    const pieces = rechunk(chunks, this.chunkBytes, WHOLE_STREAM_CHUNKS + 2);
    const head: Buffer[] = [];
    for (let next = await pieces.next(); next.done !== true; ) {
      head.push(next.value);
      if (head.length > WHOLE_STREAM_CHUNKS) break;
      next = await pieces.next();
    }
    const tables = this.#tablesOf();
    if (head.length <= WHOLE_STREAM_CHUNKS) {
      return this.#free(tables.writeWhole(key, head, stamp(options.ttl)));
    }
    const generation = tables.startStaged(Date.now());
    let size = 0;
    let seq = 0;
    try {
      for (const chunk of head) {
        tables.appendStaged(generation, seq++, chunk, Date.now());
        size += chunk.byteLength;
      }
      for await (const chunk of pieces) {
        tables.appendStaged(generation, seq++, chunk, Date.now());
        size += chunk.byteLength;
      }
      await this.#free(tables.finishStaged(key, generation, size, stamp(options.ttl)));
    } catch (error) {
      await this.#discard(generation);
      throw error;
    }
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    const { deleted, free } = this.#tablesOf().delete(key, Date.now());
    await this.#free(free);
    return deleted;
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    const upper = upperBound(prefix);
    let page = this.#tablesOf().keys(prefix, true, upper, Date.now(), PAGE);
    for (;;) {
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) return;
      page = this.#tablesOf().keys(last, false, upper, Date.now(), PAGE);
    }
  }

  /** One index seek per prefix: after a cut prefix it skips to the keys past it. */
  protected override async *listPrefixes(prefix: string, delimiter: string): AsyncIterable<string> {
    const upper = upperBound(prefix);
    let [from, inclusive] = [prefix, true];
    for (;;) {
      const key = this.#tablesOf().keys(from, inclusive, upper, Date.now(), 1)[0];
      if (key === undefined) return;
      const cut = key.indexOf(delimiter, prefix.length);
      if (cut < 0) {
        yield key;
        [from, inclusive] = [key, false];
        continue;
      }
      const common = key.slice(0, cut + delimiter.length);
      yield common;
      const next = upperBound(common);
      if (typeof next !== "string") return;
      [from, inclusive] = [next, true];
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  /** Closes the reading connections and, when the store opened it, its own connection. */
  protected override async release(): Promise<void> {
    this.#readers?.close();
    const db = this.#db;
    this.#db = undefined;
    this.#tables = undefined;
    this.#readers = undefined;
    if (this.#settings.client === undefined) db?.close();
  }

  #open(): BlobTables {
    if (this.#tables !== undefined) return this.#tables;
    const db = this.#settings.client ?? openDatabase(this.#settings);
    try {
      this.#tables = new BlobTables(db, this.table, this.chunkBytes);
    } catch (error) {
      if (this.#settings.client === undefined) db.close();
      throw error;
    }
    this.#db = db;
    this.#readers = new ReaderPool(() => openReader(this.#settings), this.table);
    return this.#tables;
  }

  #tablesOf(): BlobTables {
    if (this.#tables === undefined || !this.#tables.open) {
      throw new StoreConnectionError({ message: "The database connection is not open" });
    }
    return this.#tables;
  }

  /**
   * Reads a blob chunk by chunk in a snapshot of a reading connection, taken at the first read:
   * a blob replaced meanwhile is read whole in its newer version, one deleted meanwhile fails
   * with `MissingKeyError`.
   */
  async *#stream(key: string): AsyncGenerator<Uint8Array, void, undefined> {
    const readers = this.#readers;
    if (readers === undefined) throw new StoreClosedError({ operation: "get", key });
    const reader = readers.acquire();
    try {
      reader.begin.run();
      const row = reader.blob.get(key, Date.now());
      if (row === undefined) throw new MissingKeyError({ operation: "get", key });
      if (row.size <= this.chunkBytes) {
        yield readChunks(reader.chunks, row, key);
        return;
      }
      let read = 0;
      for (const data of reader.chunks.iterate(row.generation)) {
        read += data.byteLength;
        yield data;
      }
      if (read !== row.size) throw new Error("The blob's chunk rows do not add up to its size");
    } finally {
      readers.release(reader);
    }
  }

  /** Frees a generation's chunks a few rows per transaction, letting other work in between. */
  async #free(generation: number | undefined): Promise<void> {
    if (generation === undefined) return;
    while (this.#tablesOf().freeStep(generation)) await nextTurn();
  }

  /** Gives up a failed write's generation, never hiding the failure that caused it. */
  async #discard(generation: number): Promise<void> {
    try {
      this.#tablesOf().discard(generation);
      await this.#free(generation);
    } catch {
      // cull() frees it later
    }
  }
}

function stamp(ttl: number | undefined): Stamp {
  const createdAt = Date.now();
  return { createdAt, expiresAt: ttl === undefined ? null : createdAt + ttl * 1000 };
}

/** Locked or busy (another connection holds the lock). */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
  );
}

import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createDeflateRaw, createInflateRaw } from "node:zlib";
import {
  BaseBlobStore,
  type BaseBlobStoreOptions,
  type BlobWriteOptions,
  EXTENDED_KEY_REGEXP,
} from "@kv/blob";
import {
  type ErrorContext,
  type KeyValueError,
  messageOf,
  StoreClosedError,
  StoreConnectionError,
  toStoreError,
} from "@kv/protocol";
import { ArchiveFile } from "./archive-file.ts";
import { recoverFromJournal, removeJournal, saveJournal } from "./journal.ts";
import { releaseLock, takeLock } from "./lock.ts";
import { readIndex } from "./read-index.ts";
import {
  centralDirectory,
  dataStart,
  LOCAL_HEADER_BYTES,
  localHeader,
  localPatches,
  newEntry,
  type ZipEntry,
} from "./zip-format.ts";

/** Options of `ZipBlobStore`. */
export interface ZipBlobStoreOptions extends BaseBlobStoreOptions {
  /** The zip archive, created (empty) when missing. */
  path: string;
  /** Deflate new entries (method 8); `false` stores them as they are (method 0). @default true */
  compress?: boolean | undefined;
  /** The deflate level, 1 (fastest) to 9 (smallest). @default 6 */
  level?: number | undefined;
  /** Flush the archive to disk after every change. @default false */
  fsync?: boolean | undefined;
}

const transientCodes = new Set(["EMFILE", "ENFILE", "EAGAIN", "EBUSY", "EINTR"]);
const COPY_BYTES = 1024 * 1024;
const READ_BYTES = 256 * 1024;

/**
 * Blobs as the entries of one zip archive (the object-storage package's `ZipStore`). A `put`
 * writes a new entry where the central directory was, streaming and deflating it, then writes the
 * central directory again, naming only the newest entry of each key; a delete writes it without
 * the key. Replaced and deleted entries stay in the file as unreferenced bytes until `compact()`.
 * Entries are read in bounded memory straight from the file, their CRC-32 checked. A store holds
 * `<path>.lock` from its first call until `close()`: a second writer gets `ArchiveLockedError`.
 */
export class ZipBlobStore extends BaseBlobStore {
  /** The archive. */
  readonly path: string;
  /** The lock file held while the store is open. */
  readonly lockPath: string;
  /** What a write is about to overwrite, kept so a write cut short can be undone. */
  readonly journalPath: string;
  readonly #method: number;
  readonly #level: number;
  readonly #fsync: boolean;
  /** The newest entry of each key the store serves. */
  #index = new Map<string, ZipEntry>();
  /** Entries kept in the central directory but not served (directories, names it refuses). */
  #others: ZipEntry[] = [];
  #directoryStart = 0;
  #file: ArchiveFile | undefined;
  #opened: Promise<void> | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  /** @throws TypeError for a missing `path`; RangeError for a `level` outside 1–9 */
  constructor(options: ZipBlobStoreOptions) {
    super({ keyPattern: options.keyPattern ?? EXTENDED_KEY_REGEXP });
    if (typeof options.path !== "string" || options.path === "") {
      throw new TypeError("ZipBlobStore needs a path");
    }
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      throw new RangeError(`level must be an integer from 1 to 9, got ${String(level)}`);
    }
    this.path = options.path;
    this.lockPath = `${options.path}.lock`;
    this.journalPath = `${options.path}.journal`;
    this.#method = (options.compress ?? true) ? 8 : 0;
    this.#level = level;
    this.#fsync = options.fsync ?? false;
  }

  /**
   * Rewrites the archive without the bytes of replaced and deleted entries (into a temporary file
   * renamed over it; streams already reading finish on the old file). Returns the bytes saved.
   * @throws StoreClosedError, StoreError
   */
  async compact(): Promise<number> {
    if (this.isClosed) throw new StoreClosedError({ operation: "put" });
    try {
      await this.#open();
      return await this.#exclusive(() => this.#compact());
    } catch (error) {
      throw this.mapError(error, { operation: "put" });
    }
  }

  protected override keyProblem(key: string): string | undefined {
    for (const segment of key.split("/")) {
      if (segment === "") return "A blob key must not start or end with / or contain //";
      if (segment === "." || segment === "..") return "A blob key must not have . or .. segments";
    }
    if (Buffer.byteLength(key) > 0xffff) return "A zip entry name has at most 65535 bytes";
    return undefined;
  }

  protected override setup(): Promise<void> {
    return this.#open();
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const entry = this.#index.get(key);
    const file = this.#file;
    if (entry === undefined || file === undefined) return undefined;
    file.acquire();
    return this.#read(entry, file);
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    return this.#index.has(key);
  }

  protected override writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    _options: BlobWriteOptions,
  ): Promise<void> {
    return this.#exclusive(() => this.#append(key, chunks));
  }

  protected override deleteBlob(key: string): Promise<boolean> {
    return this.#exclusive(async () => {
      if (!this.#index.has(key)) return false;
      const next = new Map(this.#index);
      next.delete(key);
      await this.#saveJournal();
      await this.#writeDirectory(next, this.#directoryStart);
      this.#index = next;
      return true;
    });
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    for (const key of Array.from(this.#index.keys())) if (key.startsWith(prefix)) yield key;
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && transientCodes.has(code)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  /** Waits for writes under way, closes the archive and removes the lock file. */
  protected override async release(): Promise<void> {
    if (this.#opened === undefined) return;
    await this.#opened.catch(() => undefined);
    await this.#writes.catch(() => undefined);
    const file = this.#file;
    this.#file = undefined;
    if (file === undefined) return;
    await file.handle.close();
    await removeJournal(this.journalPath);
    await releaseLock(this.lockPath);
  }

  #open(): Promise<void> {
    this.#opened ??= this.#load().catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    return this.#opened;
  }

  async #load(): Promise<void> {
    await takeLock(this.lockPath);
    try {
      await recoverFromJournal(this.journalPath, this.path);
      const handle = await openArchive(this.path);
      this.#file = new ArchiveFile(handle);
      if ((await handle.stat()).size === 0) {
        await this.#writeDirectory(new Map(), 0);
        return;
      }
      const { entries, directoryStart } = await readIndex(this.path);
      this.#directoryStart = directoryStart;
      for (const entry of entries) {
        if (this.#serves(entry.name)) this.#index.set(entry.name, entry);
        else this.#others.push(entry);
      }
    } catch (error) {
      await this.#file?.handle.close();
      this.#file = undefined;
      await releaseLock(this.lockPath);
      throw error;
    }
  }

  #serves(name: string): boolean {
    return this.keyPattern.test(name) && this.keyProblem(name) === undefined;
  }

  /** Runs writes one at a time, in the order called. */
  #exclusive<T>(write: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(write);
    this.#writes = result.catch(() => undefined);
    return result;
  }

  #handle(): FileHandle {
    if (this.#file === undefined) throw new StoreClosedError();
    return this.#file.handle;
  }

  /**
   * Writes a new entry over the central directory, then the directory naming it; when anything
   * fails, the old directory is written back and the old archive is whole again.
   */
  async #append(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const handle = this.#handle();
    const start = this.#directoryStart;
    const header = localHeader(newEntry(key, this.#method, start, new Date()));
    let [crc, size, position] = [0, 0, start + header.length];
    try {
      await this.#saveJournal();
      await writeAt(handle, header, start);
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of chunks) {
          crc = crc32(chunk, crc);
          size += chunk.byteLength;
          yield chunk;
        }
      }
      const write = async (output: AsyncIterable<Uint8Array>) => {
        for await (const piece of output) {
          await writeAt(handle, piece, position);
          position += piece.byteLength;
        }
      };
      if (this.#method === 8) {
        await pipeline(Readable.from(counted()), createDeflateRaw({ level: this.#level }), write);
      } else {
        await write(counted());
      }
      const dataBytes = position - start - header.length;
      const entry = {
        ...newEntry(key, this.#method, start, new Date()),
        crc,
        size,
        compressedSize: dataBytes,
      };
      for (const [at, bytes] of localPatches(entry)) await writeAt(handle, bytes, at);
      const next = new Map(this.#index).set(key, entry);
      await this.#writeDirectory(next, position);
      this.#index = next;
      this.#directoryStart = position;
    } catch (error) {
      await this.#writeDirectory(this.#index, start).catch(() => undefined);
      throw error;
    }
  }

  /** Journals the central directory and end records that the next write overwrites. */
  async #saveJournal(): Promise<void> {
    const tail = centralDirectory([...this.#others, ...this.#index.values()], this.#directoryStart);
    await saveJournal(this.journalPath, this.#directoryStart, tail, this.#fsync);
  }

  /** Writes the central directory of `index` at `start` and ends the file there. */
  async #writeDirectory(index: ReadonlyMap<string, ZipEntry>, start: number): Promise<void> {
    const handle = this.#handle();
    const directory = centralDirectory([...this.#others, ...index.values()], start);
    await writeAt(handle, directory, start);
    await handle.truncate(start + directory.length);
    if (this.#fsync) await handle.sync();
  }

  /** Reads an entry's data, inflating it and checking its size and CRC-32. */
  async *#read(entry: ZipEntry, file: ArchiveFile): AsyncGenerator<Uint8Array> {
    try {
      if (entry.method !== 0 && entry.method !== 8) {
        throw new Error(
          `Compression method ${entry.method} is not supported (only stored and deflated)`,
        );
      }
      if ((entry.flags & 1) !== 0) throw new Error("Encrypted entries are not supported");
      const header = Buffer.alloc(LOCAL_HEADER_BYTES);
      await file.handle.read(header, 0, header.length, entry.offset);
      const start = dataStart(entry, header);
      let [crc, size] = [0, 0];
      const raw = rangeOf(file.handle, start, entry.compressedSize);
      const data = entry.method === 8 ? inflated(raw) : raw;
      for await (const chunk of data) {
        crc = crc32(chunk, crc);
        size += chunk.byteLength;
        yield chunk;
      }
      if (size !== entry.size || crc !== entry.crc) {
        throw new Error(`The data of ${entry.name} does not match its size and CRC-32`);
      }
    } finally {
      await file.release();
    }
  }

  /** Copies the served and kept entries into a new archive renamed over the old one. */
  async #compact(): Promise<number> {
    const old = this.#file;
    if (old === undefined) throw new StoreClosedError();
    const before = (await old.handle.stat()).size;
    const temporary = `${this.path}.kv-tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
    const target = await open(temporary, "wx+");
    try {
      let position = 0;
      const moved = async (entry: ZipEntry): Promise<ZipEntry> => {
        const length = await recordLength(old.handle, entry);
        await copyRange(old.handle, entry.offset, length, target, position);
        const copy = { ...entry, offset: position };
        position += length;
        return copy;
      };
      const others: ZipEntry[] = [];
      for (const entry of this.#others) others.push(await moved(entry));
      const index = new Map<string, ZipEntry>();
      for (const [key, entry] of this.#index) index.set(key, await moved(entry));
      const directory = centralDirectory([...others, ...index.values()], position);
      await writeAt(target, directory, position);
      if (this.#fsync) await target.sync();
      await rename(temporary, this.path);
      this.#file = new ArchiveFile(target);
      [this.#others, this.#index, this.#directoryStart] = [others, index, position];
      await old.retire();
      await removeJournal(this.journalPath);
      return before - (position + directory.length);
    } catch (error) {
      if (this.#file !== undefined && this.#file.handle === target) throw error;
      await target.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }
}

/** Bytes of the file read in pieces from `start` (positional reads: the handle stays open). */
async function* rangeOf(handle: FileHandle, start: number, length: number): AsyncGenerator<Buffer> {
  for (let done = 0; done < length; ) {
    const piece = Buffer.allocUnsafe(Math.min(READ_BYTES, length - done));
    const { bytesRead } = await handle.read(piece, 0, piece.length, start + done);
    if (bytesRead === 0) throw new Error("The archive ended inside an entry");
    done += bytesRead;
    yield piece.subarray(0, bytesRead);
  }
}

/** Raw deflate data, inflated as it is read. */
function inflated(raw: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const source = Readable.from(raw);
  const inflate = createInflateRaw();
  source.once("error", (error) => inflate.destroy(error));
  inflate.once("close", () => source.destroy());
  return source.pipe(inflate);
}

async function openArchive(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r+");
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    return open(path, "wx+");
  }
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(
      bytes,
      offset,
      bytes.byteLength - offset,
      position + offset,
    );
    offset += bytesWritten;
  }
}

/** The bytes of an entry's local record: header, data, and data descriptor when it has one. */
async function recordLength(handle: FileHandle, entry: ZipEntry): Promise<number> {
  const header = Buffer.alloc(LOCAL_HEADER_BYTES);
  await handle.read(header, 0, header.length, entry.offset);
  const end = dataStart(entry, header) + entry.compressedSize;
  if ((entry.flags & 0x08) === 0) return end - entry.offset;
  const descriptor = Buffer.alloc(4);
  await handle.read(descriptor, 0, 4, end);
  const signed = descriptor.readUInt32LE(0) === 0x08074b50 ? 4 : 0;
  const wide = entry.size >= 0xffffffff || entry.compressedSize >= 0xffffffff;
  return end - entry.offset + signed + 4 + (wide ? 16 : 8);
}

async function copyRange(
  from: FileHandle,
  start: number,
  length: number,
  to: FileHandle,
  position: number,
): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(COPY_BYTES, Math.max(length, 1)));
  for (let done = 0; done < length; ) {
    const { bytesRead } = await from.read(
      buffer,
      0,
      Math.min(buffer.length, length - done),
      start + done,
    );
    if (bytesRead === 0) throw new Error("The archive ended inside an entry");
    await writeAt(to, buffer.subarray(0, bytesRead), position + done);
    done += bytesRead;
  }
}

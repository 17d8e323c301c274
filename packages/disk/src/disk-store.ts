import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  BaseStore,
  type BaseStoreOptions,
  type CollectionOptions,
  type CollectionsOptions,
  DeserializationError,
  type ErrorContext,
  fromEntryDocument,
  isExpired,
  type KeysOptions,
  type KeyValueError,
  type ManagedEntry,
  messageOf,
  StoreConnectionError,
  StoreSetupError,
  serializeEntry,
  takeFirst,
  toStoreError,
} from "@kv/protocol";
import {
  errorCode,
  isStaleTemporary,
  isTemporaryName,
  readIfExists,
  syncDirectory,
  unlinkIfExists,
  writeAtomic,
} from "./atomic-file.ts";
import { parseDocument } from "./document.ts";
import {
  entryStem,
  readStoredName,
  readVersion,
  removeIfUnchanged,
  storedName,
} from "./entry-files.ts";
import {
  decodeName,
  encodeName,
  entrySuffix,
  fanOutSegments,
  isEncodedName,
} from "./file-names.ts";
import { chunks, type FoundFile, listDirectory, mapLimited, walkFiles } from "./walk.ts";

/** Options of `DiskStore`. */
export interface DiskStoreOptions extends BaseStoreOptions {
  /** The root directory; created when missing. Each collection is a subdirectory of it. */
  directory: string;
  /**
   * Levels of hashed subdirectories (256 per level) between a collection's directory and its
   * files, for collections of millions of entries. Fixed for the lifetime of a directory.
   * @default 0
   */
  fanOutLevels?: 0 | 1 | 2 | 3 | undefined;
  /**
   * Flushes each written file and its directory to the device before a write resolves, so the
   * write survives a power loss too (a killed process never loses or tears a write either way).
   * @default true
   */
  fsync?: boolean | undefined;
}

/** The file in the root that records the layout, so a mismatched `fanOutLevels` is refused. */
const layoutFile = ".kv-disk-layout";
/** How many files are read or written at once by bulk calls, enumeration and culling. */
const parallelFiles = 32;
/** Errors of the file system that pass with time: too many open files, busy, timed out. */
const transientCodes = new Set(["EMFILE", "ENFILE", "EAGAIN", "EBUSY", "ETIMEDOUT", "EINTR"]);

/**
 * A store in a directory: one JSON file per entry (`<collection>/<key>.json`), names encoded
 * reversibly into safe file names, every write atomic (temporary file, then rename).
 */
export class DiskStore extends BaseStore {
  /** The absolute root directory. */
  readonly directory: string;
  private readonly fanOutLevels: number;
  private readonly fsync: boolean;

  /** @throws TypeError or RangeError when `directory` or `fanOutLevels` is not acceptable */
  constructor(options: DiskStoreOptions) {
    super(options);
    if (typeof options?.directory !== "string" || options.directory.length === 0) {
      throw new TypeError("DiskStore needs a `directory`");
    }
    const levels = options.fanOutLevels ?? 0;
    if (![0, 1, 2, 3].includes(levels)) {
      throw new RangeError(`fanOutLevels must be 0, 1, 2 or 3, got ${String(levels)}`);
    }
    this.directory = resolve(options.directory);
    this.fanOutLevels = levels;
    this.fsync = options.fsync ?? true;
  }

  protected override async setup(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const path = join(this.directory, layoutFile);
    const expected = JSON.stringify({ version: 1, fanOutLevels: this.fanOutLevels });
    const found = await readIfExists(path);
    if (found === undefined) {
      await writeAtomic(path, expected, this.fsync);
      return;
    }
    const levels = (parseDocument(found) as { fanOutLevels?: unknown } | undefined)?.fanOutLevels;
    if (levels !== this.fanOutLevels) {
      throw new StoreSetupError({
        message: `${this.directory} was written with fanOutLevels ${String(levels)}, not ${this.fanOutLevels}`,
        operation: "setup",
      });
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (transientCodes.has(errorCode(error) ?? "")) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const text = await readIfExists(this.entryPath(collection, key));
    return text === undefined ? undefined : this.readEntry(text, collection, key);
  }

  protected override getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return mapLimited(keys, parallelFiles, (key) => this.getEntry(collection, key));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const path = this.entryPath(collection, key);
    await writeAtomic(path, serializeEntry(entry, { collection, key }), this.fsync);
    if (this.fsync) await syncDirectory(dirname(path));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const directories = new Set<string>();
    await mapLimited(entries, parallelFiles, async ([key, entry]) => {
      const path = this.entryPath(collection, key);
      await writeAtomic(path, serializeEntry(entry, { collection, key }), this.fsync);
      directories.add(dirname(path));
    });
    if (this.fsync) await Promise.all(Array.from(directories, syncDirectory));
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const path = this.entryPath(collection, key);
    const removed = await this.removeEntryFile(path, collection, key);
    if (removed !== undefined && this.fsync) await syncDirectory(dirname(path));
    return removed === true;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const directories = new Set<string>();
    const removed = await mapLimited(keys, parallelFiles, async (key) => {
      const path = this.entryPath(collection, key);
      const outcome = await this.removeEntryFile(path, collection, key);
      if (outcome !== undefined) directories.add(dirname(path));
      return outcome === true;
    });
    if (this.fsync) await Promise.all(Array.from(directories, syncDirectory));
    return removed.filter(Boolean).length;
  }

  /**
   * Lists up to `limit` live keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  /**
   * Yields every live key of a collection, streaming its directory in bounded memory.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    return this.iterate("keys", collection, () => this.liveKeys(collection));
  }

  /**
   * Lists up to `limit` collections holding at least one entry file.
   * @throws StoreError
   */
  collections(options?: CollectionsOptions): Promise<string[]> {
    return takeFirst(this.iterateCollections(), options?.limit);
  }

  /**
   * Yields every collection holding at least one entry file, streaming the root directory.
   * @throws StoreError
   */
  iterateCollections(): AsyncIterable<string> {
    return this.iterate("collections", undefined, () => this.collectionNames());
  }

  /**
   * Removes a collection's directory: first renamed aside (readers see all or nothing), then deleted.
   * @returns `true` when it held an entry file.
   * @throws InvalidKeyError, StoreError
   */
  destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    return this.guard("destroyCollection", undefined, () =>
      this.removeCollectionDirectory(encodeName(name)),
    );
  }

  /**
   * Removes every collection directory under the root (other files in it are left alone).
   * @returns `true` when any held an entry file.
   * @throws StoreError
   */
  destroy(): Promise<boolean> {
    return this.guard("destroy", undefined, async () => {
      let removed = false;
      for await (const name of listDirectory(this.directory, "directory")) {
        if (isEncodedName(name) && (await this.removeCollectionDirectory(name))) removed = true;
      }
      await this.removeLeftovers();
      return removed;
    });
  }

  /**
   * Deletes expired entry files, temporary files left by killed writers, and directories left
   * by an interrupted `destroyCollection`.
   * @throws StoreError
   */
  cull(): Promise<void> {
    return this.guard("cull", undefined, async () => {
      await this.removeLeftovers();
      for await (const name of listDirectory(this.directory, "directory")) {
        if (!isEncodedName(name)) continue;
        const files = walkFiles(join(this.directory, name), this.fanOutLevels);
        for await (const batch of chunks(files, parallelFiles)) {
          await Promise.all(batch.map((file) => this.cullFile(file)));
        }
      }
    });
  }

  private collectionPath(collection: string): string {
    return join(this.directory, encodeName(collection));
  }

  private entryPath(collection: string, key: string): string {
    return join(
      this.collectionPath(collection),
      ...fanOutSegments(key, this.fanOutLevels),
      encodeName(key) + entrySuffix,
    );
  }

  private readEntry(text: string, collection: string, key: string): ManagedEntry {
    try {
      return fromEntryDocument(parseDocument(text));
    } catch (error) {
      throw new DeserializationError({ message: messageOf(error), cause: error, collection, key });
    }
  }

  /** Deletes an entry's file: `true` if it held a live entry, `false` if expired, `undefined` if absent. */
  private async removeEntryFile(
    path: string,
    collection: string,
    key: string,
  ): Promise<boolean | undefined> {
    const text = await readIfExists(path);
    if (text === undefined || !(await unlinkIfExists(path))) return undefined;
    try {
      return !isExpired(this.readEntry(text, collection, key), this.clock.now());
    } catch {
      return true;
    }
  }

  private async *liveKeys(collection: string): AsyncGenerator<string, void, undefined> {
    const files = walkFiles(this.collectionPath(collection), this.fanOutLevels);
    for await (const batch of chunks(files, parallelFiles)) {
      const keys = await Promise.all(batch.map((file) => this.liveKeyOf(file)));
      for (const key of keys) if (key !== undefined) yield key;
    }
  }

  /** The key an entry file holds, when it is an entry and has not expired. */
  private async liveKeyOf(file: FoundFile): Promise<string | undefined> {
    const stem = entryStem(file.name);
    if (stem === undefined) return undefined;
    const text = await readIfExists(file.path);
    if (text === undefined) return undefined;
    try {
      const document = parseDocument(text);
      const key = decodeName(stem) ?? storedName(document, "key", stem);
      if (key === undefined || isExpired(fromEntryDocument(document), this.clock.now())) {
        return undefined;
      }
      return key;
    } catch {
      return undefined;
    }
  }

  private async *collectionNames(): AsyncGenerator<string, void, undefined> {
    for await (const name of listDirectory(this.directory, "directory")) {
      if (!isEncodedName(name)) continue;
      const first = await this.firstEntryFile(join(this.directory, name));
      if (first === undefined) continue;
      const decoded = decodeName(name);
      if (decoded !== undefined) {
        yield decoded;
        continue;
      }
      const stored = await readStoredName(first.path, "collection", name);
      if (stored !== undefined) yield stored;
    }
  }

  private async firstEntryFile(directory: string): Promise<FoundFile | undefined> {
    for await (const file of walkFiles(directory, this.fanOutLevels)) {
      if (entryStem(file.name) !== undefined) return file;
    }
    return undefined;
  }

  private async removeCollectionDirectory(name: string): Promise<boolean> {
    const directory = join(this.directory, name);
    const held = (await this.firstEntryFile(directory)) !== undefined;
    const aside = join(this.directory, `.trash-${randomBytes(6).toString("hex")}`);
    try {
      await rename(directory, aside);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw error;
    }
    if (this.fsync) await syncDirectory(this.directory);
    await rm(aside, { recursive: true, force: true });
    return held;
  }

  /** Removes `.trash-*` directories and stale temporary files from the root. */
  private async removeLeftovers(): Promise<void> {
    for await (const name of listDirectory(this.directory, "directory")) {
      if (name.startsWith(".trash-")) {
        await rm(join(this.directory, name), { recursive: true, force: true });
      }
    }
    for await (const name of listDirectory(this.directory, "file")) {
      const path = join(this.directory, name);
      if (await isStaleTemporary(path, name)) await unlinkIfExists(path);
    }
  }

  private async cullFile(file: FoundFile): Promise<void> {
    if (isTemporaryName(file.name)) {
      if (await isStaleTemporary(file.path, file.name)) await unlinkIfExists(file.path);
      return;
    }
    if (entryStem(file.name) === undefined) return;
    const before = await readVersion(file.path);
    if (before === undefined) return;
    let expired: boolean;
    try {
      expired = isExpired(fromEntryDocument(parseDocument(before.text)), this.clock.now());
    } catch {
      return;
    }
    if (expired) await removeIfUnchanged(file.path, before);
  }
}

import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  type BaseStoreOptions,
  batches,
  type ErrorContext,
  type KeyValueError,
  type ManagedEntry,
  messageOf,
  type StoreClass,
  StoreConnectionError,
  StoreSetupError,
  serializeEntry,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { errorCode, readIfExists, syncDirectory, writeAtomic } from "./atomic-file.ts";
import {
  collectionDirectories,
  collectionNames,
  removeCollectionDirectory,
  removeLeftovers,
} from "./collection-directories.ts";
import { parseDocument } from "./document.ts";
import { cullFile, liveKeyOf, readEntry, removeEntryFile } from "./entry-files.ts";
import { encodeName, entrySuffix, fanOutSegments } from "./file-names.ts";
import { mapLimited, walkFiles } from "./walk.ts";

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

const DiskBase: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "entries"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "cull", "entries");

/**
 * A store in a directory: one JSON file per entry (`<collection>/<key>.json`), names encoded
 * reversibly into safe file names, every write atomic (temporary file, then rename).
 */
export class DiskStore extends DiskBase {
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
    return text === undefined ? undefined : readEntry(text, collection, key);
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
    const removed = await removeEntryFile(path, collection, key, this.clock);
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
      const outcome = await removeEntryFile(path, collection, key, this.clock);
      if (outcome !== undefined) directories.add(dirname(path));
      return outcome === true;
    });
    if (this.fsync) await Promise.all(Array.from(directories, syncDirectory));
    return removed.filter(Boolean).length;
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const files = walkFiles(this.collectionPath(collection), this.fanOutLevels);
    for await (const batch of batches(files, parallelFiles)) {
      const keys = await Promise.all(batch.map((file) => liveKeyOf(file, this.clock)));
      for (const key of keys) if (key !== undefined) yield key;
    }
  }

  protected enumerateCollections(): AsyncIterable<string> {
    return collectionNames(this.directory, this.fanOutLevels);
  }

  /** Renames the collection's directory aside (readers see all or nothing), then deletes it. */
  protected dropCollection(collection: string): Promise<boolean> {
    return this.removeCollectionDirectory(encodeName(collection));
  }

  /** Removes every collection directory under the root; other files in it are left alone. */
  protected async dropAll(): Promise<boolean> {
    let removed = false;
    for await (const name of collectionDirectories(this.directory)) {
      if (await this.removeCollectionDirectory(name)) removed = true;
    }
    await removeLeftovers(this.directory);
    return removed;
  }

  /**
   * Deletes expired entry files, temporary files left by killed writers, and directories left
   * by an interrupted `destroyCollection`.
   */
  protected async removeExpired(): Promise<void> {
    await removeLeftovers(this.directory);
    for await (const name of collectionDirectories(this.directory)) {
      const files = walkFiles(join(this.directory, name), this.fanOutLevels);
      for await (const batch of batches(files, parallelFiles)) {
        await Promise.all(batch.map((file) => cullFile(file, this.clock)));
      }
    }
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

  private removeCollectionDirectory(name: string): Promise<boolean> {
    return removeCollectionDirectory(this.directory, name, this.fanOutLevels, this.fsync);
  }
}

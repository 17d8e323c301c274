import { dirname } from "node:path";
import { encodeName, syncDirectory, toFileStoreError, writeAtomic } from "@kv/atomic-files";
import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  batches,
  type CounterChange,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  isExpired,
  type KeyValueError,
  type ManagedEntry,
  type StoreClass,
  type StoredVersion,
  serializeEntry,
  storeWith,
} from "@kv/protocol";
import {
  addToCounter,
  changeIfVersion,
  insertIfAbsent,
  LockedEntry,
  readWithVersion,
  touchLive,
} from "./atomic.ts";
import { readIfExists } from "./atomic-file.ts";
import {
  collectionNames,
  cullCollections,
  openRoot,
  removeCollectionDirectory,
  removeCollections,
} from "./collection-directories.ts";
import { liveKeyOf, readEntry, removeEntryFile } from "./entry-files.ts";
import { EntryLocks } from "./file-lock.ts";
import { collectionPathOf, entryPathOf } from "./file-names.ts";
import { LruIndex } from "./lru.ts";
import { type DiskStoreOptions, resolveDiskOptions } from "./options.ts";
import { mapLimited, parallelFiles, walkFiles } from "./walk.ts";

const DiskBase: StoreClass<EnumerationCapability | "entries" | AtomicCapability> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "entries",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store in a directory: one JSON file per entry (`<collection>/<key>.json`), names encoded
 * reversibly into safe file names, every write atomic (temporary file, then rename) and made
 * under the entry's lock, which also makes the conditional writes, counters and `touch` atomic
 * between instances and processes.
 */
export class DiskStore extends DiskBase {
  /** The absolute root directory. */
  readonly directory: string;
  private readonly fanOutLevels: number;
  private readonly fsync: boolean;
  private readonly locks = new EntryLocks();
  private readonly lru: LruIndex | undefined;

  /** @throws TypeError or RangeError when `directory`, `fanOutLevels` or `maxEntries` is not acceptable */
  constructor(options: DiskStoreOptions) {
    super(options);
    const { directory, fanOutLevels, fsync } = resolveDiskOptions(options);
    this.directory = directory;
    this.fanOutLevels = fanOutLevels;
    this.fsync = fsync;
    this.lru = LruIndex.bounding(options.maxEntries, {
      root: directory,
      fanOutLevels,
      locks: this.locks,
      fsync,
    });
  }

  protected override async setup(): Promise<void> {
    await openRoot(this.directory, this.fanOutLevels, this.fsync);
    await this.lru?.rebuild();
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toFileStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const path = this.entryPath(collection, key);
    const text = await readIfExists(path);
    if (text === undefined) return undefined;
    const entry = readEntry(text, collection, key);
    if (!isExpired(entry, this.clock.now())) await this.lru?.used(path);
    return entry;
  }

  protected override getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return mapLimited(keys, parallelFiles, (key) => this.getEntry(collection, key));
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    return this.putEntries(collection, [[key, entry]]);
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const directories = new Set<string>();
    await mapLimited(entries, parallelFiles, async ([key, entry]) => {
      directories.add(dirname(await this.writeEntry(collection, key, entry)));
    });
    if (this.fsync) await Promise.all(Array.from(directories, syncDirectory));
    await this.lru?.evict();
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const directories = new Set<string>();
    const removed = await mapLimited(keys, parallelFiles, async (key) => {
      const path = this.entryPath(collection, key);
      const outcome = await this.removeEntry(path, collection, key);
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
  protected async dropCollection(collection: string): Promise<boolean> {
    const { directory, fanOutLevels, fsync } = this;
    const held = await removeCollectionDirectory(
      directory,
      encodeName(collection),
      fanOutLevels,
      fsync,
    );
    this.lru?.removedUnder(this.collectionPath(collection));
    return held;
  }

  /** Removes every collection directory under the root; other files in it are left alone. */
  protected async dropAll(): Promise<boolean> {
    const held = await removeCollections(this.directory, this.fanOutLevels, this.fsync);
    this.lru?.removedUnder(this.directory);
    return held;
  }

  /**
   * Deletes expired entry files, temporary files and staging directories left by killed writers,
   * stale locks, and directories left by an interrupted `destroyCollection`.
   */
  protected async removeExpired(): Promise<void> {
    await cullCollections(this.directory, this.fanOutLevels, this.clock, this.locks);
    await this.lru?.rebuild();
  }

  protected insertEntry(collection: string, key: string, entry: ManagedEntry): Promise<boolean> {
    return this.locked(collection, key, (file, now) => insertIfAbsent(file, entry, now));
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    const path = this.entryPath(collection, key);
    const found = await readWithVersion(path, collection, key);
    if (found !== undefined && !isExpired(found.entry, this.clock.now())) {
      await this.lru?.used(path);
    }
    return found;
  }

  protected replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    return this.locked(collection, key, (file, now) => changeIfVersion(file, version, entry, now));
  }

  protected removeVersioned(collection: string, key: string, version: string): Promise<boolean> {
    return this.locked(collection, key, (file, now) =>
      changeIfVersion(file, version, undefined, now),
    );
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.locked(collection, key, (file, now) => addToCounter(file, change, now));
  }

  protected touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    return this.locked(collection, key, (file, now) => touchLive(file, expiresAt, now));
  }

  /** Runs `work` on the entry's file under its lock, then flushes the directory if it changed. */
  private async locked<T>(
    collection: string,
    key: string,
    work: (file: LockedEntry, now: number) => Promise<T>,
  ): Promise<T> {
    const file = new LockedEntry(this.entryPath(collection, key), collection, key, this.fsync);
    const result = await this.locks.run(file.path, () => work(file, this.clock.now()));
    if (file.changed && this.fsync) await syncDirectory(dirname(file.path));
    if (file.changed && file.removed) this.lru?.removed(file.path);
    else if (file.changed) await this.lru?.written(file.path);
    return result;
  }

  /** Writes a temporary file, then renames it over the entry's file under the entry's lock. */
  private async writeEntry(collection: string, key: string, entry: ManagedEntry): Promise<string> {
    const path = this.entryPath(collection, key);
    const text = serializeEntry(entry, { collection, key });
    this.lru?.writing(path);
    await writeAtomic(path, text, {
      fsync: this.fsync,
      install: (rename) => this.locks.run(path, rename),
    });
    await this.lru?.used(path);
    return path;
  }

  private async removeEntry(
    path: string,
    collection: string,
    key: string,
  ): Promise<boolean | undefined> {
    const removed = await this.locks.run(path, () =>
      removeEntryFile(path, collection, key, this.clock),
    );
    this.lru?.removed(path);
    return removed;
  }

  private collectionPath(collection: string): string {
    return collectionPathOf(this.directory, collection);
  }

  private entryPath(collection: string, key: string): string {
    return entryPathOf(this.directory, collection, key, this.fanOutLevels);
  }
}

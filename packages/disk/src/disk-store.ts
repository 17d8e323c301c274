import { encodeName, toFileStoreError } from "@kv/atomic-files";
import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  batches,
  type CounterChange,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  type KeyValueError,
  type ManagedEntry,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { addToCounter, FileEntry } from "./atomic.ts";
import {
  collectionNames,
  cullCollections,
  openRoot,
  removeCollectionDirectory,
  removeCollections,
} from "./collection-directories.ts";
import { EntryAccess } from "./entry-access.ts";
import { liveKeyOf } from "./entry-files.ts";
import { EntryLocks } from "./file-lock.ts";
import { collectionPathOf } from "./file-names.ts";
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
  private readonly entries: EntryAccess;

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
    const { locks, lru, clock } = this;
    this.entries = new EntryAccess({ root: directory, fanOutLevels, fsync, locks, lru, clock });
  }

  protected override async setup(): Promise<void> {
    await openRoot(this.directory, this.fanOutLevels, this.fsync);
    await this.lru?.rebuild();
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toFileStoreError(error, context);
  }

  protected getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.entries.read(collection, key);
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

  protected override putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    return this.entries.write(collection, entries);
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  protected override deleteEntries(collection: string, keys: readonly string[]): Promise<number> {
    return this.entries.remove(collection, keys);
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

  protected atomicEntry(collection: string, key: string): FileEntry {
    return new FileEntry(this.entries, collection, key);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.entries.locked(collection, key, (file, now) => addToCounter(file, change, now));
  }

  private collectionPath(collection: string): string {
    return collectionPathOf(this.directory, collection);
  }
}

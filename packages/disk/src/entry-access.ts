import { dirname } from "node:path";
import { syncDirectory, writeAtomic } from "@kv/atomic-files";
import {
  type Clock,
  isExpired,
  type ManagedEntry,
  type StoredVersion,
  serializeEntry,
} from "@kv/protocol";
import { LockedEntry, readWithVersion } from "./atomic.ts";
import { readIfExists } from "./atomic-file.ts";
import { readEntry, removeEntryFile } from "./entry-files.ts";
import type { EntryLocks } from "./file-lock.ts";
import { entryPathOf } from "./file-names.ts";
import type { LruIndex } from "./lru.ts";
import { mapLimited, parallelFiles } from "./walk.ts";

/** What an `EntryAccess` works with: the store's layout, locks, LRU index and clock. */
export interface EntryAccessSettings {
  /** The store's root directory. */
  readonly root: string;
  /** The store's fan-out levels. */
  readonly fanOutLevels: number;
  /** Flush each written file and its directory. */
  readonly fsync: boolean;
  /** The store's entry locks. */
  readonly locks: EntryLocks;
  /** The store's LRU index, when it has `maxEntries`. */
  readonly lru: LruIndex | undefined;
  /** The time source for expiry. */
  readonly clock: Clock;
}

/**
 * Reads, writes and removes entry files: every write and removal under the entry's lock, the
 * changed directories flushed when `fsync` is on, and every use told to the LRU index.
 */
export class EntryAccess {
  private readonly settings: EntryAccessSettings;

  constructor(settings: EntryAccessSettings) {
    this.settings = settings;
  }

  /** The entry of `key`, expired or not; a live one counts as a use. */
  async read(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const path = this.pathOf(collection, key);
    const text = await readIfExists(path);
    if (text === undefined) return undefined;
    const entry = readEntry(text, collection, key);
    if (!isExpired(entry, this.settings.clock.now())) await this.settings.lru?.used(path);
    return entry;
  }

  /** The entry of `key` with its version token; a live one counts as a use. */
  async readVersioned(collection: string, key: string): Promise<StoredVersion | undefined> {
    const path = this.pathOf(collection, key);
    const found = await readWithVersion(path, collection, key);
    if (found !== undefined && !isExpired(found.entry, this.settings.clock.now())) {
      await this.settings.lru?.used(path);
    }
    return found;
  }

  /** Writes the entries, then removes the least recently used files beyond `maxEntries`. */
  async write(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const directories = new Set<string>();
    await mapLimited(entries, parallelFiles, async ([key, entry]) => {
      directories.add(dirname(await this.writeOne(collection, key, entry)));
    });
    if (this.settings.fsync) await Promise.all(Array.from(directories, syncDirectory));
    await this.settings.lru?.evict();
  }

  /** Removes the keys' files; how many held a live entry. */
  async remove(collection: string, keys: readonly string[]): Promise<number> {
    const directories = new Set<string>();
    const removed = await mapLimited(keys, parallelFiles, async (key) => {
      const path = this.pathOf(collection, key);
      const outcome = await this.removeOne(path, collection, key);
      if (outcome !== undefined) directories.add(dirname(path));
      return outcome === true;
    });
    if (this.settings.fsync) await Promise.all(Array.from(directories, syncDirectory));
    return removed.filter(Boolean).length;
  }

  /** Runs `work` on the entry's file under its lock, then flushes the directory if it changed. */
  async locked<T>(
    collection: string,
    key: string,
    work: (file: LockedEntry, now: number) => Promise<T>,
  ): Promise<T> {
    const { fsync, locks, lru, clock } = this.settings;
    const file = new LockedEntry(this.pathOf(collection, key), collection, key, fsync);
    const result = await locks.run(file.path, () => work(file, clock.now()));
    if (file.changed && fsync) await syncDirectory(dirname(file.path));
    if (file.changed && file.removed) lru?.removed(file.path);
    else if (file.changed) await lru?.written(file.path);
    return result;
  }

  /** Writes a temporary file, then renames it over the entry's file under the entry's lock. */
  private async writeOne(collection: string, key: string, entry: ManagedEntry): Promise<string> {
    const { fsync, locks, lru } = this.settings;
    const path = this.pathOf(collection, key);
    const text = serializeEntry(entry, { collection, key });
    lru?.writing(path);
    await writeAtomic(path, text, { fsync, install: (rename) => locks.run(path, rename) });
    await lru?.used(path);
    return path;
  }

  private async removeOne(
    path: string,
    collection: string,
    key: string,
  ): Promise<boolean | undefined> {
    const { locks, lru, clock } = this.settings;
    const removed = await locks.run(path, () => removeEntryFile(path, collection, key, clock));
    lru?.removed(path);
    return removed;
  }

  private pathOf(collection: string, key: string): string {
    return entryPathOf(this.settings.root, collection, key, this.settings.fanOutLevels);
  }
}

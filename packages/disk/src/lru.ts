import { lstat, utimes } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { performance } from "node:perf_hooks";
import { errorCode, syncDirectory, unlinkIfExists } from "@kv/atomic-files";
import { batches } from "@kv/protocol";
import { collectionDirectories } from "./collection-directories.ts";
import { entryStem } from "./entry-files.ts";
import type { EntryLocks } from "./file-lock.ts";
import { parallelFiles, walkFiles } from "./walk.ts";

/** Where an `LruIndex` finds its files and how it removes them. */
export interface LruSettings {
  /** The most entry files kept across all collections. */
  readonly maxEntries: number;
  /** The store's root directory. */
  readonly root: string;
  /** The store's fan-out levels. */
  readonly fanOutLevels: number;
  /** The store's entry locks, taken to remove a file. */
  readonly locks: EntryLocks;
  /** Flush a directory after removing a file from it. */
  readonly fsync: boolean;
}

/** A recency stamp in epoch ms with microseconds, strictly increasing within the process. */
let lastStamp = 0;
function nextStamp(): number {
  lastStamp = Math.max(performance.timeOrigin + performance.now(), lastStamp + 0.001);
  return lastStamp;
}

/**
 * The entry files of a `DiskStore` with `maxEntries`, least recently used first. A file's
 * modification time is its last use: every write and every read that finds the file sets it
 * (`utimes`, to the microsecond), so the order survives a restart and counts the uses of every
 * process. It is rebuilt from the files' times when the store opens, on `cull()`, and after every
 * `maxEntries` writes (so files other processes wrote are counted); in between it is kept in memory.
 */
export class LruIndex {
  private readonly settings: LruSettings;
  /** Paths in order of use, oldest first. */
  private order = new Set<string>();
  /** While a rescan runs: what happened meanwhile, replayed over its result. */
  private journal: [path: string, used: boolean][] | undefined;
  private writesSinceScan = 0;

  constructor(settings: LruSettings) {
    this.settings = settings;
  }

  /**
   * The index for a store's `maxEntries` option; `undefined` when there is no limit.
   * @throws RangeError when `maxEntries` is not a positive integer
   */
  static bounding(
    maxEntries: number | undefined,
    settings: Omit<LruSettings, "maxEntries">,
  ): LruIndex | undefined {
    if (maxEntries === undefined) return undefined;
    if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) {
      throw new RangeError(`maxEntries must be a positive integer, got ${String(maxEntries)}`);
    }
    return new LruIndex({ ...settings, maxEntries });
  }

  /** Rebuilds the order from the files, then evicts down to the limit. */
  async rebuild(): Promise<void> {
    await this.rescan();
    await this.evict();
  }

  /** How many entry files the index counts. */
  get size(): number {
    return this.order.size;
  }

  /** Rebuilds the order from the modification times of every entry file under the root. */
  async rescan(): Promise<void> {
    const journal: [string, boolean][] = [];
    this.journal = journal;
    this.writesSinceScan = 0;
    const found: [path: string, time: bigint][] = [];
    try {
      for await (const name of collectionDirectories(this.settings.root)) {
        const files = walkFiles(join(this.settings.root, name), this.settings.fanOutLevels);
        for await (const batch of batches(files, parallelFiles)) {
          const times = await Promise.all(
            batch.map(async (file) =>
              entryStem(file.name) === undefined ? undefined : await modifiedAt(file.path),
            ),
          );
          for (const [index, file] of batch.entries()) {
            const time = times[index];
            if (time !== undefined) found.push([file.path, time]);
          }
        }
      }
    } finally {
      this.journal = undefined;
    }
    found.sort(([a, at], [b, bt]) => (at < bt ? -1 : at > bt ? 1 : a < b ? -1 : 1));
    this.order = new Set(found.map(([path]) => path));
    for (const [path, used] of journal) this.note(path, used);
  }

  /**
   * Records a use of a file that exists: it becomes the most recently used, on disk too (where
   * the file's times can be set: on read-only media only in memory).
   */
  async used(path: string): Promise<void> {
    const stamp = nextStamp();
    try {
      await utimes(path, stamp / 1000, stamp / 1000);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return;
      // A file whose times cannot be set (read-only media, another owner) is still read.
      if (code !== "EROFS" && code !== "EACCES" && code !== "EPERM") throw error;
    }
    this.note(path, true);
  }

  /** Records that a file is about to be written: it counts as the most recently used from now. */
  writing(path: string): void {
    this.note(path, true);
    this.writesSinceScan++;
  }

  /** Stamps a file just written with its use, then evicts down to the limit. */
  async written(path: string): Promise<void> {
    await this.used(path);
    await this.evict();
  }

  /** Records that a file was removed. */
  removed(path: string): void {
    this.note(path, false);
  }

  /** Forgets every file below `directory`. */
  removedUnder(directory: string): void {
    const prefix = directory + sep;
    for (const path of Array.from(this.order)) {
      if (path.startsWith(prefix)) this.note(path, false);
    }
  }

  /**
   * Removes the least recently used files until at most `maxEntries` are left, each under its
   * entry's lock; a file used again meanwhile is kept. Rescans first once `maxEntries` files
   * were written since the last scan.
   */
  async evict(): Promise<void> {
    if (this.order.size <= this.settings.maxEntries) return;
    if (this.writesSinceScan >= this.settings.maxEntries && this.journal === undefined) {
      await this.rescan();
    }
    while (this.order.size > this.settings.maxEntries) {
      const [oldest] = this.order;
      if (oldest === undefined) return;
      this.note(oldest, false);
      await this.settings.locks.run(oldest, async () => {
        if (this.order.has(oldest)) return;
        if ((await unlinkIfExists(oldest)) && this.settings.fsync) {
          await syncDirectory(dirname(oldest));
        }
      });
    }
  }

  private note(path: string, used: boolean): void {
    this.journal?.push([path, used]);
    this.order.delete(path);
    if (used) this.order.add(path);
  }
}

async function modifiedAt(path: string): Promise<bigint | undefined> {
  try {
    return (await lstat(path, { bigint: true })).mtimeNs;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

import { storeDirectory } from "@kv/atomic-files";
import type { BaseStoreOptions } from "@kv/protocol";

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
  /**
   * The most entry files kept across all collections: a write beyond it removes the least
   * recently used files (reads and writes count as uses; the order survives restarts).
   * @default no limit
   */
  maxEntries?: number | undefined;
}

/**
 * The checked directory (absolute), fan-out levels and fsync setting of `DiskStore`'s options.
 * @throws TypeError when `directory` is missing or empty; RangeError for other `fanOutLevels`
 */
export function resolveDiskOptions(options: DiskStoreOptions): {
  directory: string;
  fanOutLevels: number;
  fsync: boolean;
} {
  const directory = storeDirectory(options?.directory, "DiskStore");
  const fanOutLevels = options.fanOutLevels ?? 0;
  if (![0, 1, 2, 3].includes(fanOutLevels)) {
    throw new RangeError(`fanOutLevels must be 0, 1, 2 or 3, got ${String(fanOutLevels)}`);
  }
  return { directory, fanOutLevels, fsync: options.fsync ?? true };
}

import { resolveTtl, type Ttl, validateCollection, validateKey } from "@kv/protocol";

/** What `onProgress` is told after each batch. */
export interface TransferProgress {
  /** What the batch did: copy entries to the destination, or delete entries. */
  phase: "copy" | "delete";
  /** The collection the batch was in. */
  collection: string;
  /** The last key of the batch, in the store's enumeration order. */
  lastKey: string;
  /** Entries copied and deleted so far, over all collections (what a dry run would do). */
  entries: number;
  /** Entries copied so far. */
  copied: number;
  /** Entries deleted so far. */
  deleted: number;
  /**
   * Keys gone through so far, over all collections: every key listed in each phase (copied,
   * deleted, expired, or kept by a sync), plus the keys skipped before a resume point. With a
   * count of the keys beforehand, this is how far the transfer has got.
   */
  keys: number;
  /** Bytes of the copied values so far (UTF-8 of their JSON). */
  bytes: number;
  /** Milliseconds since the transfer started. */
  elapsedMs: number;
  /** `entries` per second since the start. */
  entriesPerSecond: number;
  /** `bytes` per second since the start. */
  bytesPerSecond: number;
}

/** Options every transfer accepts. */
export interface TransferOptions {
  /** The collections to work on, in order. @default every collection of the source (`iterateCollections()`) */
  collections?: readonly string[] | undefined;
  /** Keys per batch: per bulk read, bulk write or bulk delete. @default 1000 */
  batchSize?: number | undefined;
  /** Stops the transfer after the batch in progress; the report then says `aborted` and how to resume. */
  signal?: AbortSignal | undefined;
  /** Called after each batch. An error it throws stops the transfer and is thrown. */
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  /** Reads and counts what would be done, writing and deleting nothing. @default false */
  dryRun?: boolean | undefined;
}

/** Options of `copyStore`. */
export interface CopyOptions extends TransferOptions {
  /**
   * The TTL of the copies: `"preserve"` keeps each entry's remaining TTL, `"drop"` makes copies
   * that never expire, and a number of seconds or a duration (`"1h"`) gives every copy that TTL.
   * @default "preserve"
   */
  ttl?: "preserve" | "drop" | Ttl | undefined;
  /**
   * With `ttl: "preserve"`: entries whose expiries fall in the same window of this many
   * milliseconds share one bulk write, with the start of the window as expiry, so a copy expires
   * up to this much earlier than its source and never later. 0 groups exactly equal expiries only.
   * @default 100
   */
  ttlPrecisionMs?: number | undefined;
  /**
   * Where to resume, per collection: the keys up to and including this one, in the source's
   * enumeration order, are skipped (a report's `resume` holds it after an abort).
   */
  after?: Readonly<Record<string, string>> | undefined;
}

/** Options of `syncStores`. */
export type SyncOptions = Omit<CopyOptions, "after">;

/** Options of `clearStore`. */
export type ClearOptions = TransferOptions;

/** What a transfer did in one collection. */
export interface CollectionReport {
  /** The collection. */
  collection: string;
  /** Entries written to the destination (by a dry run: that would be). */
  copied: number;
  /** Entries deleted (by a dry run: that would be). */
  deleted: number;
  /** Bytes of the copied values (UTF-8 of their JSON). */
  bytes: number;
  /** Keys listed but gone or expired by the time they were read or written. */
  expired: number;
  /** Keys skipped before the resume point (`after`). */
  skipped: number;
  /** The last key of the last finished batch, in enumeration order (the resume point). */
  lastKey: string | undefined;
  /** True when every batch of the collection was done. */
  complete: boolean;
}

/** The options that resume an aborted copy where it stopped: spread them into the next call. */
export interface ResumePoint {
  /** The collections not finished, in order. */
  collections: string[];
  /** The key to resume after in the collection that was stopped, when it got that far. */
  after: Record<string, string>;
}

/** What a transfer did. */
export interface TransferReport {
  /** One report per collection worked on, in order. */
  collections: CollectionReport[];
  /** Entries copied, over all collections. */
  copied: number;
  /** Entries deleted, over all collections. */
  deleted: number;
  /** Bytes copied, over all collections. */
  bytes: number;
  /** Keys that expired or vanished during the transfer, over all collections. */
  expired: number;
  /** Keys skipped before a resume point, over all collections. */
  skipped: number;
  /** How long it took, in milliseconds. */
  elapsedMs: number;
  /** True when nothing was written or deleted (`dryRun`). */
  dryRun: boolean;
  /** True when copies kept their `createdAt` (both stores offer `EntryAccess`); otherwise it is the time of the copy. */
  createdAtPreserved: boolean;
  /** True when `signal` stopped the transfer before the end. */
  aborted: boolean;
  /** After an abort: the options that continue from where it stopped. */
  resume: ResumePoint | undefined;
}

/** Transfer options checked and filled with defaults. */
export interface Settings {
  readonly collections: readonly string[] | undefined;
  readonly batchSize: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: TransferProgress) => void) | undefined;
  readonly dryRun: boolean;
}

/** Copy options checked and filled with defaults; `ttl` is `"preserve"`, `"drop"` or seconds. */
export interface CopySettings extends Settings {
  readonly ttl: "preserve" | "drop" | number;
  readonly ttlPrecisionMs: number;
  readonly after: ReadonlyMap<string, string>;
}

/**
 * Checks the options every transfer accepts.
 * @throws RangeError for a `batchSize` that is not a positive integer, TypeError for options of
 * the wrong type, InvalidKeyError for a bad collection name
 */
export function resolveSettings(options: TransferOptions): Settings {
  const { collections, batchSize = 1000, signal, onProgress, dryRun = false } = options;
  if (collections !== undefined) {
    if (!Array.isArray(collections)) throw new TypeError("collections must be an array");
    for (const collection of collections) validateCollection(collection);
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("signal must be an AbortSignal");
  }
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError("onProgress must be a function");
  }
  if (typeof dryRun !== "boolean") throw new TypeError("dryRun must be a boolean");
  const unique = collections === undefined ? undefined : [...new Set(collections)];
  return { collections: unique, batchSize, signal, onProgress, dryRun };
}

/**
 * Checks the options of a copy.
 * @throws what `resolveSettings` throws; InvalidTtlError for a bad `ttl`; RangeError for a
 * negative `ttlPrecisionMs` or an `after` naming a collection not in `collections`
 */
export function resolveCopySettings(options: CopyOptions): CopySettings {
  const settings = resolveSettings(options);
  const { ttl = "preserve", ttlPrecisionMs = 100, after = {} } = options;
  if (!Number.isFinite(ttlPrecisionMs) || ttlPrecisionMs < 0) {
    throw new RangeError(`ttlPrecisionMs must be 0 or more, got ${String(ttlPrecisionMs)}`);
  }
  if (typeof after !== "object" || after === null) throw new TypeError("after must be an object");
  const resumeAfter = new Map<string, string>();
  for (const [collection, key] of Object.entries(after)) {
    validateKey(key, { collection });
    if (settings.collections !== undefined && !settings.collections.includes(collection)) {
      throw new RangeError(`after names the collection ${collection}, which is not in collections`);
    }
    resumeAfter.set(collection, key);
  }
  return {
    ...settings,
    ttl: ttl === "preserve" || ttl === "drop" ? ttl : (resolveTtl(ttl) as number),
    ttlPrecisionMs,
    after: resumeAfter,
  };
}

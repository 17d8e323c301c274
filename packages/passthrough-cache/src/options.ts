import { type Clock, type Operation, resolveTtl, type Ttl } from "@kv/protocol";

/** What `onCacheError` is told when the cache fails during a read. */
export interface CacheErrorEvent {
  /** The wrapper's operation during which the cache failed. */
  operation: Operation;
  /** The collection of the call (empty for `cull`). */
  collection: string;
  /** The cache's error. */
  error: unknown;
}

/** Options of `PassthroughCacheWrapper`. */
export interface PassthroughCacheWrapperOptions {
  /**
   * The longest an entry stays in the cache: seconds, or a duration such as `"5m"`. Entries
   * without a TTL in the primary get it; others keep the shorter of it and their remaining TTL.
   * It bounds how long a change made around this wrapper goes unseen. When set, `ttl` and
   * `ttlMany` read the primary (the cache's TTLs are then shorter than the true ones).
   * @default none: the remaining TTL, or no expiry
   */
  maxCacheTtl?: Ttl | undefined;
  /**
   * Called when the cache fails while it is read (the read then goes to the primary), filled or
   * culled. An error it throws is ignored.
   */
  onCacheError?: ((event: CacheErrorEvent) => void) | undefined;
  /** The time source for remaining TTLs. @default the system clock */
  clock?: Clock | undefined;
}

/** `maxCacheTtl` in milliseconds (`Infinity` when absent). @throws RangeError */
export function maxCacheTtlMs(maxCacheTtl: Ttl | undefined): number {
  try {
    return (resolveTtl(maxCacheTtl) ?? Number.POSITIVE_INFINITY) * 1000;
  } catch (error) {
    throw new RangeError(`maxCacheTtl must be a valid TTL, got ${String(maxCacheTtl)}`, {
      cause: error,
    });
  }
}

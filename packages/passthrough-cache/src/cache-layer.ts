import {
  type Clock,
  type CollectionOptions,
  type Entry,
  type KeyValue,
  type Operation,
  systemClock,
  type ValueWithTtl,
} from "@kv/protocol";
import { FillGuard, type GuardedRead } from "./fill-guard.ts";
import {
  type CacheErrorEvent,
  maxCacheTtlMs,
  type PassthroughCacheWrapperOptions,
} from "./options.ts";

/** A call on the cache, with the collection to use. */
export type CacheCall<T> = (cache: KeyValue, options: CollectionOptions) => Promise<T>;

/**
 * The cache side of the wrapper: reads that survive a failing cache, and fills with entries read
 * from the primary, each with its remaining TTL (never past `maxCacheTtl`) and never with a
 * value that a write running at the same time may replace.
 */
export class CacheLayer {
  /** The writes and reads in progress. */
  readonly guard: FillGuard = new FillGuard();
  /** The cache store. */
  readonly cache: KeyValue;
  readonly #clock: Clock;
  readonly #maxCacheTtlMs: number;
  readonly #onCacheError: ((event: CacheErrorEvent) => void) | undefined;

  /** @throws RangeError when `maxCacheTtl` is not a valid TTL */
  constructor(cache: KeyValue, options: PassthroughCacheWrapperOptions) {
    this.cache = cache;
    this.#clock = options.clock ?? systemClock;
    this.#maxCacheTtlMs = maxCacheTtlMs(options.maxCacheTtl);
    this.#onCacheError = options.onCacheError;
  }

  /** Reads the cache; a failure is reported and reads as a miss. */
  async read<T>(
    operation: Operation,
    collection: string,
    call: CacheCall<T>,
  ): Promise<T | undefined> {
    try {
      return await call(this.cache, { collection });
    } catch (error) {
      this.report(operation, collection, error);
      return undefined;
    }
  }

  /** Reads TTLs from the cache, unless `maxCacheTtl` makes them shorter than the true ones. */
  readTtl<T>(operation: Operation, collection: string, call: CacheCall<T>): Promise<T | undefined> {
    if (this.#maxCacheTtlMs !== Number.POSITIVE_INFINITY) return Promise.resolve(undefined);
    return this.read(operation, collection, call);
  }

  /** Tells `onCacheError` about a failure of the cache that the call survives. */
  report(operation: Operation, collection: string, error: unknown): void {
    try {
      this.#onCacheError?.({ operation, collection, error });
    } catch {
      // a failing hook must not change the outcome of the call
    }
  }

  /**
   * Reads distinct keys from the primary with `load` (values and remaining TTLs), fills the
   * cache with what it found, and returns it. Only `load` can fail the call.
   */
  async fill(
    operation: Operation,
    collection: string,
    keys: readonly string[],
    load: (options: CollectionOptions) => Promise<ValueWithTtl[]>,
  ): Promise<ValueWithTtl[]> {
    const read = this.guard.beginRead(collection, keys);
    try {
      const started = this.#clock.now();
      const found = await load({ collection });
      await this.#fill(operation, read, found, this.#clock.now() - started);
      return found;
    } finally {
      this.guard.endRead(read);
    }
  }

  /**
   * Writes the entries found into the cache, one call per distinct cache TTL, unless a write
   * overlapped the read; removes them again when a write started while they were written.
   */
  async #fill(
    operation: Operation,
    read: GuardedRead,
    found: readonly ValueWithTtl[],
    elapsedMs: number,
  ): Promise<void> {
    if (read.stale) return;
    const { collection } = read;
    const groups = new Map<number | undefined, Entry[]>();
    for (const [index, [value, ttl]] of found.entries()) {
      const seconds = cacheTtl(ttl, elapsedMs, this.#maxCacheTtlMs);
      if (value === undefined || seconds === null) continue;
      const entry: Entry = [read.keys[index] as string, value];
      const group = groups.get(seconds);
      if (group === undefined) groups.set(seconds, [entry]);
      else group.push(entry);
    }
    const writes = [...groups].map(([ttl, entries]) =>
      this.cache.putMany(entries, { collection, ttl }),
    );
    // Settled, not raced: the values are handed to the caller only once the cache has copied them.
    for (const outcome of await Promise.allSettled(writes)) {
      if (outcome.status === "rejected") this.report(operation, collection, outcome.reason);
    }
    if (!read.stale || groups.size === 0) return;
    const written = [...groups.values()].flatMap((entries) => entries.map(([key]) => key));
    await this.cache
      .deleteMany(written, { collection })
      .catch((error: unknown) => this.report(operation, collection, error));
  }
}

/** The margin for a clock that has ticked between two reads of it. */
const clockTickMs = 1;

/**
 * The TTL to cache an entry with, in seconds of whole milliseconds: its remaining TTL less the
 * time the primary took to answer and one clock tick, at most `maxMs`; `undefined` for no
 * expiry; `null` when less than a millisecond would remain. The tick covers clocks that count
 * whole milliseconds: the cache starts its TTL on its own clock, which may have ticked since the
 * primary answered.
 */
export function cacheTtl(
  ttl: number | undefined,
  elapsedMs: number,
  maxMs: number,
): number | undefined | null {
  const remainingMs =
    ttl === undefined ? maxMs : Math.min(Math.floor(ttl * 1000 - elapsedMs) - clockTickMs, maxMs);
  if (remainingMs === Number.POSITIVE_INFINITY) return undefined;
  return remainingMs >= 1 ? remainingMs / 1000 : null;
}

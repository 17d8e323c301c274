/** A copy of a cache's counts at one moment. Every count is of this process only. */
export interface CacheStatisticsSnapshot {
  /** When counting started (creation or the last `resetStatistics()`), in epoch milliseconds. */
  since: number;
  /** `getOrSet` and `get` calls answered with a fresh cached value (a cached error included). */
  hits: number;
  /** `getOrSet` calls that waited for a value to be computed (here or in another process), and `get` calls that found none. */
  misses: number;
  /** Calls answered with a stale value inside its grace period. */
  staleHits: number;
  /** Times a factory was called in this process. */
  factoryRuns: number;
  /** Times a factory threw (or was aborted). */
  factoryErrors: number;
  /** Times this process found a key's lease held by another process and waited for it. */
  lockWaits: number;
  /** Times this process took a lease after waiting on another holder (it died, timed out or failed). */
  lockTakeovers: number;
}

/** The name of one count. */
export type CacheCounter = Exclude<keyof CacheStatisticsSnapshot, "since">;

/** The live counts behind `CacheStatisticsSnapshot`. */
export class CacheCounters {
  #since = Date.now();
  #counts = zero();

  /** Adds one to a count. */
  add(counter: CacheCounter): void {
    this.#counts[counter] += 1;
  }

  /** A copy of the counts. */
  snapshot(): CacheStatisticsSnapshot {
    return { since: this.#since, ...this.#counts };
  }

  /** Forgets every count; counting starts again now. */
  reset(): void {
    this.#since = Date.now();
    this.#counts = zero();
  }
}

function zero(): Record<CacheCounter, number> {
  return {
    hits: 0,
    misses: 0,
    staleHits: 0,
    factoryRuns: 0,
    factoryErrors: 0,
    lockWaits: 0,
    lockTakeovers: 0,
  };
}

import { type Clock, type KeyValue, systemClock } from "@kv/protocol";
import { LocalCounters } from "./counters.ts";

/** Settings of a `FixedWindowLimiter`. */
export interface FixedWindowOptions {
  /** How many calls a client may make per window. */
  limit: number;
  /** The length of a window, in seconds. */
  windowSeconds: number;
  /** The time source (a `ManualClock` in tests). @default the system clock */
  clock?: Clock;
}

/** The answer to one call. */
export interface Decision {
  allowed: boolean;
  /** Calls left in this window. */
  remaining: number;
  /** Seconds until the window ends and the count starts again. */
  resetSeconds: number;
}

/**
 * At most `limit` calls per client in each window of `windowSeconds`, counted in one key per
 * client and window (`ada@1764547200`). The key's TTL ends with its window, so old windows
 * leave the store by themselves and nothing ever resets a counter. Exact in one process only.
 */
export class FixedWindowLimiter {
  readonly #counters: LocalCounters;
  readonly #options: Required<FixedWindowOptions>;

  constructor(store: KeyValue, options: FixedWindowOptions) {
    this.#counters = new LocalCounters(store, "rate-limits");
    this.#options = { clock: systemClock, ...options };
  }

  /** Counts one call of `client`, unless its window is full. */
  async take(client: string): Promise<Decision> {
    const { limit, windowSeconds, clock } = this.#options;
    const now = clock.now() / 1000;
    const start = Math.floor(now / windowSeconds) * windowSeconds;
    const resetSeconds = start + windowSeconds - now;
    const count = await this.#counters.add(`${client}@${start}`, 1, {
      max: limit,
      ttl: resetSeconds,
    });
    if (count === undefined) return { allowed: false, remaining: 0, resetSeconds };
    return { allowed: true, remaining: limit - count, resetSeconds };
  }
}

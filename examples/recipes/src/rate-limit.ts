import { type Clock, type Incrementable, type KeyValue, systemClock } from "@kv/protocol";

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
 * At most `limit` calls per client in each window of `windowSeconds`, counted with `increment`
 * in one key per client and window (`ada@1764547200`). The counter's TTL, set when the window's
 * first call creates it, ends with its window, so old windows leave the store by themselves and
 * nothing ever resets a counter. Exact across any number of processes sharing the store.
 */
export class FixedWindowLimiter {
  readonly #store: KeyValue & Incrementable;
  readonly #options: Required<FixedWindowOptions>;

  constructor(store: KeyValue & Incrementable, options: FixedWindowOptions) {
    this.#store = store;
    this.#options = { clock: systemClock, ...options };
  }

  /** Counts one call of `client`; it is allowed while the window's count stays within `limit`. */
  async take(client: string): Promise<Decision> {
    const { limit, windowSeconds, clock } = this.#options;
    const now = clock.now() / 1000;
    const start = Math.floor(now / windowSeconds) * windowSeconds;
    const resetSeconds = start + windowSeconds - now;
    const count = await this.#store.increment(`${client}@${start}`, {
      collection: "rate-limits",
      ttl: resetSeconds,
    });
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetSeconds };
  }
}

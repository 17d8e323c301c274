/** The source of the current time, so tests can move time without sleeping. */
export interface Clock {
  /** The current time in epoch milliseconds. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until moved: for tests of expiry. */
export class ManualClock implements Clock {
  private current: number;

  /** Starts at `startMs` (epoch milliseconds). @default the real current time */
  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  /** The clock's current time in epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Moves the clock forward by `seconds`, the protocol's TTL unit. */
  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }
}

import type { Clock } from "@kv/protocol";

/** Where the circuit breaker stands: `open` skips the primary, `half-open` lets one call probe it. */
export type CircuitState = "closed" | "open" | "half-open";

/**
 * Counts consecutive transient failures of the primary store. After `threshold` of them the
 * circuit opens and calls skip the primary for `cooldownMs`; then one call probes it, and the
 * circuit closes on success or opens for another cool-down on failure.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly clock: Clock;
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;
  /** The last transient error of the primary, for errors thrown while it is skipped. */
  lastError: unknown;

  constructor(threshold: number, cooldownMs: number, clock: Clock) {
    this.threshold = threshold;
    this.cooldownMs = cooldownMs;
    this.clock = clock;
  }

  /** The current state. */
  get state(): CircuitState {
    if (this.openedAt === undefined) return "closed";
    return this.probing || this.clock.now() - this.openedAt >= this.cooldownMs
      ? "half-open"
      : "open";
  }

  /** The number of consecutive transient failures so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** True when a call may go to the primary now; when half-open, the caller becomes the probe. */
  tryAcquire(): boolean {
    if (this.openedAt === undefined) return true;
    if (this.probing || this.clock.now() - this.openedAt < this.cooldownMs) return false;
    this.probing = true;
    return true;
  }

  /** The primary answered: the circuit closes. */
  succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.probing = false;
  }

  /** The primary failed with a transient error: count it, and open (again) when due. */
  failed(error: unknown): void {
    this.lastError = error;
    this.failures += 1;
    if (this.probing || this.failures >= this.threshold) this.openedAt = this.clock.now();
    this.probing = false;
  }

  /** The call ended with an error that says nothing about the primary's health. */
  released(): void {
    this.probing = false;
  }
}

import {
  BaseWrapper,
  isIdempotent,
  isTransientError,
  type KeyValue,
  KeyValueError,
  type Operation,
  StoreError,
} from "@kv/protocol";

/** What `onRetry` is told before each new attempt. */
export interface RetryEvent {
  /** The operation being retried. */
  operation: Operation;
  /** The error of the attempt that just failed. */
  error: unknown;
  /** The number of the attempt that just failed (1 for the first call). */
  attempt: number;
  /** How long the wrapper waits before the next attempt, in milliseconds. */
  delayMs: number;
}

/** Options of `RetryWrapper`. */
export interface RetryWrapperOptions {
  /** How many times a failed call is repeated; the call runs at most `maxRetries + 1` times. @default 3 */
  maxRetries?: number | undefined;
  /** The cap of the first backoff delay in milliseconds. @default 100 */
  initialDelayMs?: number | undefined;
  /** The largest backoff delay in milliseconds. @default 10 000 */
  maxDelayMs?: number | undefined;
  /** The factor by which the delay cap grows after each attempt. @default 2 */
  exponentialBase?: number | undefined;
  /**
   * The longest time in milliseconds from the first attempt after which no new attempt starts.
   * An attempt already running is never abandoned. @default no deadline
   */
  deadlineMs?: number | undefined;
  /**
   * Says which errors are worth another attempt. A `KeyValueError` that is neither transient nor
   * a `StoreError` (bad input, bad stored data, a closed store) is never retried, whatever it says.
   * @default isTransientError (a `KeyValueError` whose `transient` is true, such as `StoreConnectionError`)
   */
  retryOn?: ((error: unknown) => boolean) | undefined;
  /** Called before each new attempt, for logging or metrics. An error it throws is ignored. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/**
 * Repeats calls that fail with a transient error (by default `isTransientError`) with
 * exponential backoff and full jitter: before attempt n+1 it waits a random time between 0 and
 * `min(maxDelayMs, initialDelayMs * exponentialBase^(n-1))`. It gives up after `maxRetries`
 * repetitions or when the next attempt would start past `deadlineMs`, and then throws the last
 * error unchanged except for an `attempts` property holding the number of calls made. Calls
 * that may do more when run twice (`increment`, `putIfAbsent`, `putIfVersion`,
 * `deleteIfVersion`: a lost reply would be counted twice, or reported as a conflict with itself)
 * are made once and never repeated.
 */
export class RetryWrapper extends BaseWrapper {
  private readonly maxRetries: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly exponentialBase: number;
  private readonly deadlineMs: number;
  private readonly retryOn: (error: unknown) => boolean;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  /** @throws RangeError when a count or duration is negative or not a number */
  constructor(store: KeyValue, options: RetryWrapperOptions = {}) {
    super(store);
    this.maxRetries = nonNegative(options.maxRetries ?? 3, "maxRetries");
    this.initialDelayMs = nonNegative(options.initialDelayMs ?? 100, "initialDelayMs");
    this.maxDelayMs = nonNegative(options.maxDelayMs ?? 10_000, "maxDelayMs");
    this.exponentialBase = nonNegative(options.exponentialBase ?? 2, "exponentialBase");
    this.deadlineMs = nonNegative(options.deadlineMs ?? Number.POSITIVE_INFINITY, "deadlineMs");
    this.retryOn = options.retryOn ?? isTransientError;
    this.onRetry = options.onRetry;
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    if (!isIdempotent(operation)) return call(this.store);
    const started = this.deadlineMs === Number.POSITIVE_INFINITY ? 0 : Date.now();
    return attempt(call, this.store).catch((error: unknown) =>
      this.retry(operation, call, error, started),
    );
  }

  private async retry<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    firstError: unknown,
    started: number,
  ): Promise<T> {
    let error = firstError;
    for (let attempts = 1; ; attempts++) {
      const delayMs = this.delayBefore(attempts + 1);
      const retry =
        attempts <= this.maxRetries &&
        this.isTransient(error) &&
        Date.now() + delayMs - started < this.deadlineMs;
      if (!retry) throw withAttempts(error, attempts);
      this.notify({ operation, error, attempt: attempts, delayMs });
      if (delayMs > 0) await sleep(delayMs);
      try {
        return await call(this.store);
      } catch (next) {
        error = next;
      }
    }
  }

  private isTransient(error: unknown): boolean {
    return !isPermanent(error) && this.retryOn(error);
  }

  private delayBefore(attempt: number): number {
    const cap = Math.min(
      this.maxDelayMs,
      this.initialDelayMs * this.exponentialBase ** (attempt - 2),
    );
    return Math.floor(Math.random() * cap);
  }

  private notify(event: RetryEvent): void {
    try {
      this.onRetry?.(event);
    } catch {
      // a failing hook must not change the outcome of the call
    }
  }
}

function attempt<T>(call: (store: KeyValue) => Promise<T>, store: KeyValue): Promise<T> {
  try {
    return call(store);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A `KeyValueError` that no second attempt can fix: neither transient nor from the backend. */
function isPermanent(error: unknown): boolean {
  return KeyValueError.isInstance(error) && !error.transient && !StoreError.isInstance(error);
}

function withAttempts(error: unknown, attempts: number): unknown {
  if (typeof error === "object" && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, "attempts", { value: attempts, configurable: true });
  }
  return error;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of 0 or more, got ${String(value)}`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

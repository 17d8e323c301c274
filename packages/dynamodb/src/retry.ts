import { hasSdkErrorName, isServerFault } from "@kv/aws-core";
import { hasNetworkErrorCode, type SwapOptions } from "@kv/protocol";

/** The first backoff after losing a compare-and-set: about one round trip. */
const CONFLICT_DELAY_MS = 5;

/** Error names DynamoDB uses when a request exceeded the table's or account's throughput. */
const throttlingNames = [
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "Throttling",
];

/** True for DynamoDB's throttling errors. */
export function isThrottling(error: unknown): boolean {
  return hasSdkErrorName(error, ...throttlingNames);
}

/** True for failures worth retrying later: throttling, network errors, timeouts, server faults. */
export function isTransient(error: unknown): boolean {
  return (
    isThrottling(error) ||
    hasNetworkErrorCode(error) ||
    hasSdkErrorName(error, "TimeoutError", "RequestTimeout") ||
    isServerFault(error)
  );
}

/** How long to wait before retry number `attempt` (from 0): exponential, with full jitter. */
function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, initialMs * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How a `Retrier` backs off, and for how long it keeps trying. */
export interface RetrySettings {
  /** The first backoff. */
  initialDelayMs: number;
  /** The longest backoff. */
  maxDelayMs: number;
  /** How long one call keeps retrying. */
  deadlineMs: number;
}

/** Retries throttled requests and unprocessed batch items with exponential backoff and jitter. */
export class Retrier {
  private readonly settings: RetrySettings;

  constructor(settings: RetrySettings) {
    this.settings = settings;
  }

  /** The time (epoch ms) until which a call starting now keeps retrying. */
  deadline(): number {
    return Date.now() + this.settings.deadlineMs;
  }

  /** Runs one request, retrying throttling errors until the deadline; then throws the last one. */
  async call<T>(request: () => Promise<T>, deadline: number = this.deadline()): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        const delay = this.delay(attempt);
        if (!isThrottling(error) || Date.now() + delay > deadline) throw error;
        await sleep(delay);
      }
    }
  }

  /**
   * Sends `pending` with `send`, which returns what the server left unprocessed, until nothing is
   * left or the deadline passes. Returns what is still left.
   */
  async drain<T>(pending: T[], send: (batch: T[]) => Promise<T[]>, deadline: number): Promise<T[]> {
    let left = pending;
    for (let attempt = 0; left.length > 0; attempt++) {
      const batch = left;
      left = await this.call(() => send(batch), deadline);
      if (left.length === 0) break;
      const delay = this.delay(attempt);
      if (Date.now() + delay > deadline) break;
      await sleep(delay);
    }
    return left;
  }

  /**
   * How `compareAndSwap` paces a call that keeps losing to other writers: backing off from 5 ms,
   * doubling up to `maxDelayMs`, until the deadline of a call starting now.
   */
  conflictPacing(): SwapOptions {
    return {
      attempts: Number.POSITIVE_INFINITY,
      deadline: this.deadline(),
      initialBackoffMs: CONFLICT_DELAY_MS,
      maxBackoffMs: this.settings.maxDelayMs,
    };
  }

  private delay(attempt: number): number {
    return backoffMs(attempt, this.settings.initialDelayMs, this.settings.maxDelayMs);
  }
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

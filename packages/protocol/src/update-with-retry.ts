import { type ConditionalVersions, type PutIfAbsent, UpdateConflictError } from "./atomic.ts";
import type { CollectionOptions, Ttl, Value } from "./key-value.ts";

/** Options of `updateWithRetry`. */
export interface UpdateOptions extends CollectionOptions {
  /**
   * The TTL of every value written. Without it, an entry this creates never expires and one it
   * replaces keeps the time it had left.
   */
  ttl?: Ttl | undefined;
  /** How many read-compute-write rounds to try before giving up. @default 10 */
  attempts?: number | undefined;
  /** The wait before the second round, in ms; it doubles each round, with jitter. @default 5 */
  backoffMs?: number | undefined;
}

/**
 * Read-modify-write on any store with versions: reads the entry with its version, computes the
 * next value with `update` (which gets `undefined` for a missing key), and writes it only if
 * nobody wrote in between (`putIfAbsent` for a missing key), retrying from the read on conflict.
 * `update` returning `undefined` deletes the entry (if there is one) instead. `update` may run
 * more than once, so it should not have side effects.
 * @returns the value written, or `undefined` after a delete
 * @throws UpdateConflictError after `attempts` conflicts; RangeError for bad options; whatever
 * `update` or the store throws
 */
export async function updateWithRetry(
  store: ConditionalVersions & PutIfAbsent,
  key: string,
  update: (current: Value | undefined) => Value | undefined | Promise<Value | undefined>,
  options: UpdateOptions = {},
): Promise<Value | undefined> {
  const { attempts = 10, backoffMs = 5, ttl, collection } = options;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${String(attempts)}`);
  }
  if (typeof backoffMs !== "number" || !(backoffMs >= 0)) {
    throw new RangeError(`backoffMs must be a number of ms >= 0, got ${String(backoffMs)}`);
  }
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const current = await store.getVersioned(key, { collection });
    const next = await update(current?.value);
    const written =
      current === undefined
        ? next === undefined || (await store.putIfAbsent(key, next, { collection, ttl }))
        : next === undefined
          ? await store.deleteIfVersion(key, current.version, { collection })
          : await store.putIfVersion(key, next, current.version, {
              collection,
              ttl: ttl ?? current.ttl,
            });
    if (written) return next;
    if (attempt < attempts) await pause(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
  }
  throw new UpdateConflictError({ attempts, key, collection, operation: "putIfVersion" });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

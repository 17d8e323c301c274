import { isTransientError, KeyValueError, StoreError } from "@kv/protocol";
import type { ChildFailure } from "./errors.ts";

/** A failure worth asking the next child about: transient, or the backend's own failure. */
export const passesOver = (error: unknown): boolean =>
  isTransientError(error) || StoreError.isInstance(error);

/** The error every child refused a call with when it is the caller's (bad input, closed store). */
export function commonRefusal(failures: readonly ChildFailure[]): unknown {
  const first = failures[0]?.error;
  if (!KeyValueError.isInstance(first) || passesOver(first)) return undefined;
  const same = failures.every(
    ({ error }) => KeyValueError.isInstance(error) && error.code === first.code,
  );
  return same ? first : undefined;
}

/** One result for a write: any `true`, the largest count, or the first result. */
export function combine<T>(results: readonly T[]): T {
  const first = results[0];
  if (typeof first === "boolean") return results.includes(true as T) ? (true as T) : first;
  if (typeof first === "number") return Math.max(...(results as readonly number[])) as T;
  return first as T;
}

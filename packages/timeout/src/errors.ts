import { defineError, type ErrorClass, StoreConnectionError, type StoreError } from "@kv/protocol";

/**
 * A call did not finish within its deadline. A transient `StoreConnectionError`, so retry and
 * fallback act on it; the call itself may still complete in the backend.
 */
export interface TimeoutError extends StoreError {
  readonly name: "TimeoutError";
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;
}
/**
 * A call did not finish within its deadline. A transient `StoreConnectionError`, so retry and
 * fallback act on it; the call itself may still complete in the backend.
 */
export const TimeoutError: ErrorClass<TimeoutError, { timeoutMs: number }> = defineError({
  name: "TimeoutError",
  code: "TIMEOUT",
  parent: StoreConnectionError,
  transient: true,
  fields: ["timeoutMs"],
  message: (o) => `No answer from the store within ${o.timeoutMs} ms`,
});

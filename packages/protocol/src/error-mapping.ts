import type { ErrorContext } from "./base-store.ts";
import { KeyValueError, messageOf, StoreConnectionError, toStoreError } from "./errors.ts";

/**
 * The error codes Node gives a request that never reached its server or lost it: refused, reset,
 * aborted, a broken pipe, timed out, a name that does not resolve (for now or at all), no route to
 * the host or network, and a connection attempt that timed out.
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/** True when `error` has one of Node's network error codes (`NETWORK_ERROR_CODES`) as its `code`. */
export function hasNetworkErrorCode(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code } = error as { code?: unknown };
  return typeof code === "string" && NETWORK_ERROR_CODES.has(code);
}

/**
 * The usual body of a store's `mapError`: a `KeyValueError` passes unchanged; a failure
 * `isTransient` accepts becomes a `StoreConnectionError` (transient), any other a `StoreError`;
 * the failure is the `cause`, and its message the message.
 */
export function mapStoreError(
  error: unknown,
  context: ErrorContext,
  isTransient: (error: unknown) => boolean,
): KeyValueError {
  if (KeyValueError.isInstance(error) || !isTransient(error)) return toStoreError(error, context);
  return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
}

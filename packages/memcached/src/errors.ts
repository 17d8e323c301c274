import {
  type ErrorContext,
  KeyValueError,
  messageOf,
  StoreConnectionError,
  toStoreError,
} from "@kv/protocol";

/** Socket error codes of a server that cannot be reached or went away. */
const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * The messages memcache-client gives a call whose connection failed or whose answer did not come:
 * "connect timeout", "socket error …", "socket close", "Command timeout", "Shutdown requested" …
 */
const connectionMessages =
  /^(connect |socket |Command timeout|Shutdown requested|No more valid servers left)/;

/** True when the call failed because the server could not be reached or did not answer in time. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { connecting?: unknown }).connecting === true) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && connectionCodes.has(code)) return true;
  return connectionMessages.test(error.message);
}

/**
 * The library's error for a failure: `StoreConnectionError` (transient) when the server could not
 * be reached or did not answer, `StoreError` otherwise (`SERVER_ERROR object too large for cache`,
 * `CLIENT_ERROR …`), with the client's error as `cause`. `KeyValueError`s pass unchanged.
 */
export function toKeyValueError(error: unknown, context: ErrorContext): KeyValueError {
  if (KeyValueError.isInstance(error) || !isConnectionError(error)) {
    return toStoreError(error, context);
  }
  return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
}

import {
  defineError,
  type ErrorClass,
  type ErrorContext,
  KeyValueError,
  mapStoreError,
  messageOf,
} from "@kv/protocol";

/**
 * An entry would make a request larger than etcd accepts (`--max-request-bytes`, 1.5 MiB by
 * default). It is refused before anything is sent; etcd's own refusal is reported the same way.
 */
export interface RequestTooLargeError extends KeyValueError {
  readonly name: "RequestTooLargeError";
  /** The size of the entry's etcd key and value in bytes (`undefined` when etcd refused it). */
  readonly size: number | undefined;
  /** The limit in bytes the store was configured with. */
  readonly limit: number;
}
/**
 * An entry would make a request larger than etcd accepts (`--max-request-bytes`, 1.5 MiB by
 * default). It is refused before anything is sent; etcd's own refusal is reported the same way.
 */
export const RequestTooLargeError: ErrorClass<
  RequestTooLargeError,
  { size: number | undefined; limit: number }
> = defineError({
  name: "RequestTooLargeError",
  code: "REQUEST_TOO_LARGE",
  fields: ["size", "limit"],
  message: (o) =>
    o.size === undefined
      ? `etcd refused the request as larger than its limit (the store's limit: ${o.limit} bytes)`
      : `An entry of ${o.size} bytes does not fit in an etcd request of at most ${o.limit} bytes`,
});

/**
 * gRPC failures worth retrying: unreachable, timed out, cancelled, overloaded, no leader (but not
 * a full database, which waits for an operator).
 */
const transientNames = new Set([
  "GRPCUnavailableError",
  "GRPCDeadlineExceededError",
  "GRPCCancelledError",
  "GRPCAbortedError",
  "GRPCInternalError",
  "GRPCResourceExhastedError",
  "BrokenCircuitError",
]);

/** The messages etcd gives a request (or a whole message) over its size limits. */
const tooLargePattern = /request is too large|received message larger than max/;

/**
 * Turns an etcd3 error into the library's error, read by name so any copy of the client works:
 * `RequestTooLargeError` for etcd's size limits, `StoreConnectionError` for transient failures
 * (unavailable, deadline exceeded, cancelled, overloaded, no leader, an open circuit breaker),
 * `StoreError` otherwise (a full database included), with the client's error as `cause`. `KeyValueError`s pass unchanged.
 */
export function toKeyValueError(
  error: unknown,
  context: ErrorContext,
  limit: number,
): KeyValueError {
  if (!KeyValueError.isInstance(error) && tooLargePattern.test(messageOf(error))) {
    return new RequestTooLargeError({ ...context, size: undefined, limit, cause: error });
  }
  return mapStoreError(error, context, isTransient);
}

/** A transient etcd3 failure (see `transientNames`), but not a full database. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof Error &&
    transientNames.has(error.constructor.name) &&
    !error.message.includes("database space exceeded")
  );
}

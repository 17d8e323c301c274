import {
  type ErrorClass,
  type ErrorContext,
  hasNetworkErrorCode,
  type KeyValueError,
  mapStoreError,
  messageOf,
} from "@kv/protocol";

interface SdkErrorShape {
  name?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** S3 error names that mean "slow down or try again later". */
const transientNames = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ServiceUnavailable",
  "InternalError",
  "OperationAborted",
]);

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === "object" && error !== null ? (error as SdkErrorShape) : {};
}

/** The HTTP status of an SDK error, when the server answered. */
export function statusOf(error: unknown): number | undefined {
  const status = shapeOf(error).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

/** True when the error has the S3 error name `name`. */
export function isNamed(error: unknown, ...names: string[]): boolean {
  return names.includes(String(shapeOf(error).name));
}

/** True when the object (not the bucket) is missing: `NoSuchKey`, or a 404 `HeadObject`. */
export function isMissingObject(error: unknown): boolean {
  if (isNamed(error, "NoSuchBucket")) return false;
  return isNamed(error, "NoSuchKey", "NotFound") || statusOf(error) === 404;
}

/**
 * True when a conditional request lost: `If-Match`/`If-None-Match` did not hold (412), or
 * another conditional write of the object was in progress (409 `ConditionalRequestConflict`).
 */
export function isConditionLost(error: unknown): boolean {
  return (
    isNamed(error, "PreconditionFailed", "ConditionalRequestConflict") ||
    statusOf(error) === 412 ||
    statusOf(error) === 409
  );
}

/** True for failures worth trying again later: network errors, timeouts, throttling, 5xx. */
export function isTransient(error: unknown): boolean {
  const shape = shapeOf(error);
  const status = statusOf(error);
  return (
    transientNames.has(String(shape.name)) ||
    hasNetworkErrorCode(error) ||
    shape.$fault === "server" ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}

/**
 * Turns an SDK failure into a store error: transient ones into `StoreConnectionError`, a key
 * the server finds too long into `invalidKey`, anything else (access denied, no such bucket ...)
 * into a permanent `StoreError`; the SDK's error is the `cause`. `KeyValueError`s pass unchanged.
 */
export function toS3StoreError(
  error: unknown,
  context: ErrorContext,
  invalidKey: ErrorClass<KeyValueError>,
): KeyValueError {
  if (isNamed(error, "KeyTooLongError")) {
    return new invalidKey({ ...context, cause: error, message: messageOf(error) });
  }
  return mapStoreError(error, context, isTransient);
}

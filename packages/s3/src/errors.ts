import { hasSdkErrorName, httpStatusOf, isServerFault } from "@kv/aws-core";
import {
  type ErrorClass,
  type ErrorContext,
  hasNetworkErrorCode,
  type KeyValueError,
  mapStoreError,
  messageOf,
} from "@kv/protocol";

/** S3 error names that mean "slow down or try again later". */
const transientNames = [
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ServiceUnavailable",
  "InternalError",
  "OperationAborted",
];

/** True when the object (not the bucket) is missing: `NoSuchKey`, or a 404 `HeadObject`. */
export function isMissingObject(error: unknown): boolean {
  if (hasSdkErrorName(error, "NoSuchBucket")) return false;
  return hasSdkErrorName(error, "NoSuchKey", "NotFound") || httpStatusOf(error) === 404;
}

/**
 * True when a conditional request lost: `If-Match`/`If-None-Match` did not hold (412), or
 * another conditional write of the object was in progress (409 `ConditionalRequestConflict`).
 */
export function isConditionLost(error: unknown): boolean {
  return (
    hasSdkErrorName(error, "PreconditionFailed", "ConditionalRequestConflict") ||
    httpStatusOf(error) === 412 ||
    httpStatusOf(error) === 409
  );
}

/** True for failures worth trying again later: network errors, timeouts, throttling, 5xx. */
export function isTransient(error: unknown): boolean {
  return (
    hasSdkErrorName(error, ...transientNames) ||
    hasNetworkErrorCode(error) ||
    isServerFault(error) ||
    httpStatusOf(error) === 429
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
  if (hasSdkErrorName(error, "KeyTooLongError")) {
    return new invalidKey({ ...context, cause: error, message: messageOf(error) });
  }
  return mapStoreError(error, context, isTransient);
}

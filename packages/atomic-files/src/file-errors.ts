import {
  type ErrorContext,
  type KeyValueError,
  messageOf,
  StoreConnectionError,
  toStoreError,
} from "@kv/protocol";

/** Errors of the file system that pass with time: too many open files, busy, timed out. */
const transientCodes = new Set(["EMFILE", "ENFILE", "EAGAIN", "EBUSY", "ETIMEDOUT", "EINTR"]);

/** The error code of a failed system call (`ENOENT` ...), if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True for the codes of a path that does not exist (`ENOENT`, `ENOTDIR`). */
export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * A failed file operation as a store error, for a store's `mapError`: `StoreConnectionError`
 * (transient) for too many open files, busy, timed out or interrupted; any other error as
 * `toStoreError` gives it. The error is the `cause` either way; a `KeyValueError` passes through.
 */
export function toFileStoreError(error: unknown, context: ErrorContext): KeyValueError {
  if (transientCodes.has(errorCode(error) ?? "")) {
    return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
  }
  return toStoreError(error, context);
}

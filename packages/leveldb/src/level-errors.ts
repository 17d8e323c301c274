import {
  type ErrorContext,
  KeyValueError,
  messageOf,
  StoreConnectionError,
  toStoreError,
} from "@kv/protocol";

/** classic-level codes of failures that pass: the database is locked, opening or closing. */
const transientCodes = new Set([
  "LEVEL_LOCKED",
  "LEVEL_DATABASE_NOT_OPEN",
  "LEVEL_ITERATOR_NOT_OPEN",
]);

/** A classic-level failure as a `StoreError`: `StoreConnectionError` for the transient ones. */
export function mapLevelError(error: unknown, context: ErrorContext): KeyValueError {
  if (!KeyValueError.isInstance(error) && isTransient(error)) {
    return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
  }
  return toStoreError(error, context);
}

/** `handle`, there from `setup` until `release`. */
export function opened<T>(handle: T | undefined): T {
  if (handle === undefined) throw new StoreConnectionError({ message: "The database is closed" });
  return handle;
}

/** Locked by another process, or used while closed or closing: worth retrying. */
function isTransient(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (code === "LEVEL_DATABASE_NOT_OPEN" && typeof cause?.code === "string") {
    return cause.code === "LEVEL_LOCKED";
  }
  return typeof code === "string" && transientCodes.has(code);
}

import { defineError, type ErrorClass, StoreError } from "@kv/protocol";

/**
 * The browser refused a write because the origin's Web Storage quota is full (the
 * `QuotaExceededError` `DOMException`, kept as `cause`). Permanent: the same write fails again
 * until entries are removed. Nothing of the refused call is left written.
 */
export interface StorageQuotaError extends StoreError {
  readonly name: "StorageQuotaError";
}
/**
 * The browser refused a write because the origin's Web Storage quota is full (the
 * `QuotaExceededError` `DOMException`, kept as `cause`). Permanent: the same write fails again
 * until entries are removed. Nothing of the refused call is left written.
 */
export const StorageQuotaError: ErrorClass<StorageQuotaError> = defineError({
  name: "StorageQuotaError",
  code: "STORAGE_QUOTA",
  parent: StoreError,
  transient: false,
  message: "The Web Storage quota of this origin is full",
});

/** Whether `error` is the browser's quota error (a `DOMException` named `QuotaExceededError`). */
export function isQuotaExceeded(error: unknown): boolean {
  return error instanceof Error && error.name === "QuotaExceededError";
}

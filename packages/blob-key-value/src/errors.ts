import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";

/** What `BlobTooLargeError` carries besides the usual context. */
export interface BlobTooLargeErrorOptions extends KeyValueErrorOptions {
  /** The limit in bytes the blob broke. */
  maxBytes: number;
}

/**
 * A blob given to `KeyValueBlobStore` is larger than its `maxBytes`; nothing was written. Not
 * transient: retrying the same data fails the same way.
 */
export interface BlobTooLargeError extends KeyValueError {
  readonly name: "BlobTooLargeError";
  /** The limit in bytes the blob broke. */
  readonly maxBytes: number;
}
/** A blob given to `KeyValueBlobStore` is larger than its `maxBytes`; nothing was written. */
export const BlobTooLargeError: ErrorClass<BlobTooLargeError, BlobTooLargeErrorOptions> =
  defineError({
    name: "BlobTooLargeError",
    code: "BLOB_TOO_LARGE",
    fields: ["maxBytes"],
    message: "The blob is larger than the store's maxBytes",
  });

import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/**
 * A blob larger than the store's `maxBytes` (the server's `proto-max-bulk-len` by default). It
 * shares its name, code and brand with `@kv/blob-key-value`'s error, so either class's
 * `isInstance` recognises both.
 */
export interface BlobTooLargeError extends KeyValueError {
  readonly name: "BlobTooLargeError";
  /** The limit in bytes the blob broke. */
  readonly maxBytes: number;
}

/**
 * A blob larger than the store's `maxBytes` (the server's `proto-max-bulk-len` by default). Thrown
 * before anything is written for bytes and files, and as soon as a stream passes the limit (what
 * it had written is removed). Not transient: the same blob fails again.
 */
export const BlobTooLargeError: ErrorClass<BlobTooLargeError, { maxBytes: number }> = defineError({
  name: "BlobTooLargeError",
  code: "BLOB_TOO_LARGE",
  fields: ["maxBytes"],
  message: (options) => `The blob is larger than the store's maxBytes (${options.maxBytes})`,
});

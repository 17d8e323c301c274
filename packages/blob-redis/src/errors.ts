import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/** A blob larger than the store's limit (the server's `proto-max-bulk-len` by default). */
export interface BlobTooLargeError extends KeyValueError {
  readonly name: "BlobTooLargeError";
  /** The most bytes a blob may have in this store. */
  readonly limit: number;
}

/**
 * A blob larger than the store's limit (the server's `proto-max-bulk-len` by default). Thrown
 * before anything is written for bytes and files, and as soon as a stream passes the limit (what
 * it had written is removed). Permanent: the same blob fails again.
 */
export const BlobTooLargeError: ErrorClass<BlobTooLargeError, { limit: number }> = defineError({
  name: "BlobTooLargeError",
  code: "BLOB_TOO_LARGE",
  fields: ["limit"],
  transient: false,
  message: (options) => `A blob may have at most ${options.limit} bytes here`,
});

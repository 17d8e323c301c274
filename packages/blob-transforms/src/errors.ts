import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/**
 * A blob read through `HmacBlobStore` does not carry a valid signature for its key: it was
 * changed, signed with another secret, moved from another key, or is not signed. Not transient.
 */
export interface BlobIntegrityError extends KeyValueError {
  readonly name: "BlobIntegrityError";
}
/** A blob read through `HmacBlobStore` does not carry a valid signature for its key. */
export const BlobIntegrityError: ErrorClass<BlobIntegrityError> = defineError({
  name: "BlobIntegrityError",
  code: "BLOB_INTEGRITY",
  message: "The blob's HMAC does not match its key and data",
});

/** A write (`put`, `putFile`, `delete`) through `ReadOnlyBlobStore`; nothing was changed. */
export interface ReadOnlyBlobStoreError extends KeyValueError {
  readonly name: "ReadOnlyBlobStoreError";
}
/** A write (`put`, `putFile`, `delete`) through `ReadOnlyBlobStore`; nothing was changed. */
export const ReadOnlyBlobStoreError: ErrorClass<ReadOnlyBlobStoreError> = defineError({
  name: "ReadOnlyBlobStoreError",
  code: "READ_ONLY_BLOB_STORE",
  message: "The blob store is read-only",
});

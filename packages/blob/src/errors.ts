import {
  defineError,
  type ErrorClass,
  InvalidKeyError,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";

/**
 * A blob key does not match the store's key pattern (or would leave the store's space). A
 * subclass of the protocol's `InvalidKeyError`.
 */
export interface InvalidBlobKeyError extends KeyValueError {
  readonly name: "InvalidBlobKeyError";
}
/** A blob key does not match the store's key pattern (or would leave the store's space). */
export const InvalidBlobKeyError: ErrorClass<InvalidBlobKeyError> = defineError({
  name: "InvalidBlobKeyError",
  code: "INVALID_BLOB_KEY",
  parent: InvalidKeyError,
  message: "Invalid blob key",
});

/**
 * `get`, `open` or `getFile` found nothing under the key (simplekv's `KeyError`). It shares its
 * name, code and brand with `@kv/raise-on-missing`'s error, so either class's `isInstance`
 * recognises both.
 */
export interface MissingKeyError extends KeyValueError {
  readonly name: "MissingKeyError";
  /** The missing keys (here always the one key asked for). */
  readonly keys: readonly string[];
}
const DefinedMissingKeyError: ErrorClass<MissingKeyError, { keys: readonly string[] }> =
  defineError({
    name: "MissingKeyError",
    code: "MISSING_KEY",
    fields: ["keys"],
    message: "No blob is stored under the key",
  });
/**
 * `get`, `open` or `getFile` found nothing under the key (simplekv's `KeyError`). It shares its
 * name, code and brand with `@kv/raise-on-missing`'s error, so either class's `isInstance`
 * recognises both.
 */
export const MissingKeyError: ErrorClass<MissingKeyError> = class extends DefinedMissingKeyError {
  constructor(options: KeyValueErrorOptions = {}) {
    super({ ...options, keys: options.key === undefined ? [] : [options.key] });
  }
};

/**
 * Reading the data given to `put` or `putFile` failed (the source stream errored, or the file to
 * store cannot be read). Nothing was stored; `cause` holds the source's error.
 */
export interface BlobSourceError extends KeyValueError {
  readonly name: "BlobSourceError";
}
/**
 * Reading the data given to `put` or `putFile` failed (the source stream errored, or the file to
 * store cannot be read). Nothing was stored; `cause` holds the source's error.
 */
export const BlobSourceError: ErrorClass<BlobSourceError> = defineError({
  name: "BlobSourceError",
  code: "BLOB_SOURCE",
  message: "Reading the data to store failed",
});

import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/** A value could not be encrypted or decrypted. */
export interface EncryptionError extends KeyValueError {
  readonly name: string;
}
/** A value could not be encrypted or decrypted. */
export const EncryptionError: ErrorClass<EncryptionError> = defineError({
  name: "EncryptionError",
  code: "ENCRYPTION",
  message: "The value could not be encrypted",
});

/**
 * A stored value could not be decrypted: it was tampered with, truncated, moved to another key
 * or collection, written with a key that is not configured, or is not encrypted at all.
 */
export interface DecryptionError extends EncryptionError {
  readonly name: "DecryptionError";
}
/**
 * A stored value could not be decrypted: it was tampered with, truncated, moved to another key
 * or collection, written with a key that is not configured, or is not encrypted at all.
 */
export const DecryptionError: ErrorClass<DecryptionError> = defineError({
  name: "DecryptionError",
  code: "DECRYPTION",
  parent: EncryptionError,
  message: "The stored value could not be decrypted",
});

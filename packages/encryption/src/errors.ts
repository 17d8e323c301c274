import { brandError, hasErrorBrand, KeyValueError, type KeyValueErrorOptions } from "@kv/protocol";

/** A value could not be encrypted or decrypted. */
export class EncryptionError extends KeyValueError {
  override readonly name: string = "EncryptionError";
  override readonly code: string = "ENCRYPTION";

  constructor(
    options: KeyValueErrorOptions = {},
    defaultMessage = "The value could not be encrypted",
  ) {
    super(options, defaultMessage);
    brandError(this, "EncryptionError");
  }

  /** True for an `EncryptionError` (or `DecryptionError`) from any copy of the package. */
  static override isInstance(error: unknown): error is EncryptionError {
    return hasErrorBrand(error, "EncryptionError");
  }
}

/**
 * A stored value could not be decrypted: it was tampered with, truncated, moved to another key
 * or collection, written with a key that is not configured, or is not encrypted at all.
 */
export class DecryptionError extends EncryptionError {
  override readonly name = "DecryptionError";
  override readonly code = "DECRYPTION";

  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "The stored value could not be decrypted");
    brandError(this, "DecryptionError");
  }

  /** True for a `DecryptionError` from any copy of the package. */
  static override isInstance(error: unknown): error is DecryptionError {
    return hasErrorBrand(error, "DecryptionError");
  }
}

import { brandError, hasErrorBrand, KeyValueError, type KeyValueErrorOptions } from "@kv/protocol";

/** Context of a size error: where it happened, the measured size and the limit it broke. */
export interface EntrySizeErrorOptions extends KeyValueErrorOptions {
  /** The value's size in bytes of UTF-8 JSON. */
  size: number;
  /** The limit in bytes the value broke. */
  limit: number;
}

/** A value's UTF-8 JSON is larger than `maxBytes`; nothing was written. */
export class EntryTooLargeError extends KeyValueError {
  override readonly name = "EntryTooLargeError";
  override readonly code = "ENTRY_TOO_LARGE";
  /** The value's size in bytes of UTF-8 JSON. */
  readonly size: number;
  /** The `maxBytes` limit. */
  readonly limit: number;

  constructor(options: EntrySizeErrorOptions) {
    super(
      {
        ...options,
        message:
          options.message ?? `Value of ${options.size} bytes exceeds maxBytes (${options.limit})`,
      },
      "Value is too large",
    );
    this.size = options.size;
    this.limit = options.limit;
    brandError(this, this.name);
  }

  /** True for an `EntryTooLargeError` from any copy of the package. */
  static override isInstance(error: unknown): error is EntryTooLargeError {
    return hasErrorBrand(error, "EntryTooLargeError");
  }
}

/** A value's UTF-8 JSON is smaller than `minBytes`; nothing was written. */
export class EntryTooSmallError extends KeyValueError {
  override readonly name = "EntryTooSmallError";
  override readonly code = "ENTRY_TOO_SMALL";
  /** The value's size in bytes of UTF-8 JSON. */
  readonly size: number;
  /** The `minBytes` limit. */
  readonly limit: number;

  constructor(options: EntrySizeErrorOptions) {
    super(
      {
        ...options,
        message:
          options.message ?? `Value of ${options.size} bytes is below minBytes (${options.limit})`,
      },
      "Value is too small",
    );
    this.size = options.size;
    this.limit = options.limit;
    brandError(this, this.name);
  }

  /** True for an `EntryTooSmallError` from any copy of the package. */
  static override isInstance(error: unknown): error is EntryTooSmallError {
    return hasErrorBrand(error, "EntryTooSmallError");
  }
}

import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";

/** Context of a size error: where it happened, the measured size and the limit it broke. */
export interface EntrySizeErrorOptions extends KeyValueErrorOptions {
  /** The value's size in bytes of UTF-8 JSON. */
  size: number;
  /** The limit in bytes the value broke. */
  limit: number;
}

/** What both size errors carry besides the usual context. */
export interface EntrySizeError extends KeyValueError {
  /** The value's size in bytes of UTF-8 JSON. */
  readonly size: number;
  /** The limit in bytes the value broke. */
  readonly limit: number;
}

/** A value's UTF-8 JSON is larger than `maxBytes`; nothing was written. */
export interface EntryTooLargeError extends EntrySizeError {
  readonly name: "EntryTooLargeError";
}
/** A value's UTF-8 JSON is larger than `maxBytes`; nothing was written. */
export const EntryTooLargeError: ErrorClass<EntryTooLargeError, EntrySizeErrorOptions> = sizeError(
  "EntryTooLargeError",
  "ENTRY_TOO_LARGE",
  "exceeds maxBytes",
);

/** A value's UTF-8 JSON is smaller than `minBytes`; nothing was written. */
export interface EntryTooSmallError extends EntrySizeError {
  readonly name: "EntryTooSmallError";
}
/** A value's UTF-8 JSON is smaller than `minBytes`; nothing was written. */
export const EntryTooSmallError: ErrorClass<EntryTooSmallError, EntrySizeErrorOptions> = sizeError(
  "EntryTooSmallError",
  "ENTRY_TOO_SMALL",
  "is below minBytes",
);

function sizeError<E extends EntrySizeError>(
  name: string,
  code: string,
  broke: string,
): ErrorClass<E, EntrySizeErrorOptions> {
  return defineError({
    name,
    code,
    fields: ["size", "limit"],
    message: (o) => `Value of ${o.size} bytes ${broke} (${o.limit})`,
  });
}

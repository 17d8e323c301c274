import {
  BaseWrapper,
  type Entry,
  type KeyValue,
  type Operation,
  type PutOptions,
  type Value,
  validateCollection,
  validateKey,
  validateTtl,
  validateValue,
} from "@kv/protocol";
import { EntryTooLargeError, EntryTooSmallError } from "./errors.ts";

/** Options of `LimitSizeWrapper`. Sizes are bytes of the value's UTF-8 JSON. */
export interface LimitSizeWrapperOptions {
  /** The smallest value accepted, in bytes. @default no minimum */
  minBytes?: number | undefined;
  /** The largest value accepted, in bytes. @default no maximum */
  maxBytes?: number | undefined;
  /** Throw `EntryTooLargeError` for a value above `maxBytes`; when false it is skipped silently. @default true */
  throwOnTooLarge?: boolean | undefined;
  /** Throw `EntryTooSmallError` for a value below `minBytes`; when false it is skipped silently. @default false */
  throwOnTooSmall?: boolean | undefined;
}

/**
 * Keeps values outside a size range out of the inner store: a `put` of a value whose UTF-8 JSON
 * is larger than `maxBytes` or smaller than `minBytes` either throws or is skipped, and `putMany`
 * filters entry by entry. Reads are not limited.
 */
export class LimitSizeWrapper extends BaseWrapper {
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly throwOnTooLarge: boolean;
  private readonly throwOnTooSmall: boolean;

  /** @throws RangeError when a limit is negative or not a number, or `minBytes` exceeds `maxBytes` */
  constructor(store: KeyValue, options: LimitSizeWrapperOptions = {}) {
    super(store);
    this.minBytes = limit(options.minBytes, 0, "minBytes");
    this.maxBytes = limit(options.maxBytes, Number.POSITIVE_INFINITY, "maxBytes");
    if (this.minBytes > this.maxBytes) {
      throw new RangeError(`minBytes (${this.minBytes}) exceeds maxBytes (${this.maxBytes})`);
    }
    this.throwOnTooLarge = options.throwOnTooLarge ?? true;
    this.throwOnTooSmall = options.throwOnTooSmall ?? false;
  }

  /**
   * Writes the value when its size is within the limits; otherwise throws or does nothing.
   * @throws EntryTooLargeError, EntryTooSmallError (when enabled), InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  override async put(key: string, value: Value, options?: PutOptions): Promise<void> {
    const collection = options?.collection;
    const context = { operation: "put", collection, key } as const;
    if (collection !== undefined) validateCollection(collection, context);
    validateKey(key, context);
    validateTtl(options?.ttl, context);
    validateValue(value, context);
    if (this.accepts(value, context)) await super.put(key, value, options);
  }

  /**
   * Writes the entries whose values are within the limits. Every entry is checked before anything
   * is written, so an entry that throws leaves the store unchanged.
   * @throws EntryTooLargeError, EntryTooSmallError (when enabled), InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  override async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    const collection = options?.collection;
    const operation: Operation = "putMany";
    if (collection !== undefined) validateCollection(collection, { operation });
    validateTtl(options?.ttl, { operation, collection });
    if (!Array.isArray(entries))
      throw new TypeError("putMany expects an array of [key, value] pairs");
    for (const [key, value] of entries) {
      validateKey(key, { operation, collection, key });
      validateValue(value, { operation, collection, key });
    }
    const kept = entries.filter(([key, value]) =>
      this.accepts(value, { operation, collection, key }),
    );
    if (kept.length > 0 || entries.length === 0) await super.putMany(kept, options);
  }

  private accepts(
    value: Value,
    context: { operation: Operation; collection: string | undefined; key: string },
  ): boolean {
    const size = Buffer.byteLength(JSON.stringify(value), "utf8");
    if (size > this.maxBytes) {
      if (this.throwOnTooLarge)
        throw new EntryTooLargeError({ ...context, size, limit: this.maxBytes });
      return false;
    }
    if (size < this.minBytes) {
      if (this.throwOnTooSmall)
        throw new EntryTooSmallError({ ...context, size, limit: this.minBytes });
      return false;
    }
    return true;
  }
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of 0 or more, got ${String(value)}`);
  }
  return value;
}

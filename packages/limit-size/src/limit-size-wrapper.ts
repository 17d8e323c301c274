import { BaseWrapper, type KeyValue, type Value, type ValueLocation } from "@kv/protocol";
import { EntryTooLargeError, EntryTooSmallError } from "./errors.ts";
import { utf8ByteLength } from "./utf8-length.ts";

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
   * Passes a value within the limits on to the inner store; one outside them throws or, when
   * throwing is off, is dropped (`undefined`), so `putMany` writes only the others.
   * @throws EntryTooLargeError, EntryTooSmallError (when enabled)
   */
  protected override encodeValue(value: Value, location: ValueLocation): Value | undefined {
    const size = utf8ByteLength(JSON.stringify(value));
    if (size > this.maxBytes) {
      if (!this.throwOnTooLarge) return undefined;
      throw new EntryTooLargeError({ ...location, size, limit: this.maxBytes });
    }
    if (size < this.minBytes) {
      if (!this.throwOnTooSmall) return undefined;
      throw new EntryTooSmallError({ ...location, size, limit: this.minBytes });
    }
    return value;
  }
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of 0 or more, got ${String(value)}`);
  }
  return value;
}

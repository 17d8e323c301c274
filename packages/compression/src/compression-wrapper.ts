import {
  BaseWrapper,
  type KeyValue,
  messageOf,
  type Value,
  type ValueLocation,
} from "@kv/protocol";
import {
  compressedBytes,
  envelope,
  envelopeOverhead,
  isCompressed,
  parseValue,
} from "./envelope.ts";
import { DecompressionError } from "./errors.ts";
import { compress, decompress } from "./gzip.ts";
import { toBase64, utf8Bytes } from "./text.ts";

/** Options of `CompressionWrapper`. */
export interface CompressionWrapperOptions {
  /** Values whose UTF-8 JSON is smaller than this many bytes are stored as they are. @default 1024 */
  minBytes?: number | undefined;
  /** The gzip level: 1 is the fastest (py-key-value's), 9 the smallest. @default 1 */
  level?: number | undefined;
}

/**
 * Stores values whose UTF-8 JSON reaches `minBytes` gzip-compressed, in py-key-value's form
 * (`{ "__compressed_data__": "<base64 of gzip>", "__compression_version__": 1,
 * "__compression_algorithm__": "gzip" }`), and restores them on read. Smaller values, and values
 * that compression would not make smaller, are stored as they are, so both forms coexist and a
 * store can be wrapped at any time. Keys, collections and TTLs are untouched.
 */
export class CompressionWrapper extends BaseWrapper {
  private readonly minBytes: number;
  private readonly level: number;

  /** @throws RangeError when `minBytes` is negative or not a number, or `level` is not an integer from 1 to 9 */
  constructor(store: KeyValue, options: CompressionWrapperOptions = {}) {
    super(store);
    const minBytes = options.minBytes ?? 1024;
    if (typeof minBytes !== "number" || Number.isNaN(minBytes) || minBytes < 0) {
      throw new RangeError(`minBytes must be a number of 0 or more, got ${String(minBytes)}`);
    }
    const level = options.level ?? 1;
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      throw new RangeError(`level must be an integer from 1 to 9, got ${String(level)}`);
    }
    this.minBytes = minBytes;
    this.level = level;
  }

  /**
   * Compresses a value that reaches `minBytes`. A value that has a `__compressed_data__` field of
   * its own is always compressed, so that it never reads back as compressed data.
   */
  protected override encodeValue(value: Value): Value | Promise<Value> {
    const marked = isCompressed(value);
    const json = JSON.stringify(value);
    const input = utf8Bytes(json);
    if (!marked && input.length < this.minBytes) return value;
    const compressed = compress(input, this.level);
    if (compressed instanceof Promise) {
      return compressed.then((bytes) => this.stored(value, bytes, input.length, marked));
    }
    return this.stored(value, compressed, input.length, marked);
  }

  /**
   * Restores a compressed value; any other value is returned as it is.
   * @throws DecompressionError
   */
  protected override decodeValue(stored: Value, location: ValueLocation): Value | Promise<Value> {
    if (!isCompressed(stored)) return stored;
    try {
      const json = decompress(compressedBytes(stored));
      if (json instanceof Promise) {
        return json.then(parseValue).catch((error: unknown) => {
          throw decompressionError(error, location);
        });
      }
      return parseValue(json);
    } catch (error) {
      throw decompressionError(error, location);
    }
  }

  /** The envelope, or the value itself when the envelope would not be smaller. */
  private stored(value: Value, compressed: Uint8Array, size: number, marked: boolean): Value {
    const data = toBase64(compressed);
    if (!marked && data.length + envelopeOverhead >= size) return value;
    return envelope(data);
  }
}

function decompressionError(cause: unknown, location: ValueLocation): DecompressionError {
  return new DecompressionError({
    ...location,
    cause,
    message: `The stored value could not be decompressed: ${messageOf(cause)}`,
  });
}

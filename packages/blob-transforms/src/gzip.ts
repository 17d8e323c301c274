import { pipeline, Readable } from "node:stream";
import { promisify } from "node:util";
import { createGunzip, createGzip, gunzip, gzip } from "node:zlib";
import type { BlobStore } from "@kv/blob";
import { DeserializationError, type ErrorContext, type KeyValueError } from "@kv/protocol";
import { BlobStoreDecorator, type BlobStoreDecoratorOptions } from "./decorator.ts";

const gzipBytes = promisify(gzip);
const gunzipBytes = promisify(gunzip);

/** Options of `GzipBlobStore`. */
export interface GzipBlobStoreOptions extends BlobStoreDecoratorOptions {
  /** The gzip level, from 1 (fastest) to 9 (smallest). @default 6 (zlib's) */
  level?: number | undefined;
}

/**
 * Stores every blob as a gzip stream (RFC 1952, `node:zlib`), compressing and decompressing as
 * the bytes stream through. Reading data that is not gzip throws `DeserializationError`. No
 * `urlFor`: a URL of the inner store would serve the compressed bytes.
 */
export class GzipBlobStore extends BlobStoreDecorator {
  /** The gzip level. */
  readonly level: number;

  /** @throws RangeError for a level that is not an integer from 1 to 9 */
  constructor(inner: BlobStore, options: GzipBlobStoreOptions = {}) {
    super(inner, options);
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      throw new RangeError(`level must be an integer from 1 to 9, got ${String(level)}`);
    }
    this.level = level;
  }

  protected override get passesBytes(): boolean {
    return false;
  }

  protected override encodeChunks(
    _key: string,
    chunks: AsyncIterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    return pipeline(Readable.from(chunks), createGzip({ level: this.level }), ignore);
  }

  protected override decodeChunks(_key: string, stored: Readable): AsyncIterable<Uint8Array> {
    return pipeline(stored, createGunzip(), ignore);
  }

  protected override encodeBytes(_key: string, bytes: Uint8Array): Promise<Uint8Array> {
    return gzipBytes(bytes, { level: this.level });
  }

  protected override decodeBytes(_key: string, stored: Uint8Array): Promise<Uint8Array> {
    return gunzipBytes(stored);
  }

  /** zlib's failures (`Z_DATA_ERROR`, `Z_BUF_ERROR` ...) are data that is not gzip. */
  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      return new DeserializationError({
        ...context,
        message: "The stored blob is not valid gzip",
        cause: error,
      });
    }
    return super.mapError(error, context);
  }
}

/** `pipeline` reports its errors on the last stream, which the reader iterates. */
function ignore(): void {}

import { gunzipSync, gzipSync } from "node:zlib";
import {
  BaseWrapper,
  defineError,
  type ErrorClass,
  type KeyValueError,
  type Value,
  type ValueLocation,
} from "@kv/protocol";

/** A stored value is not in the compressed form: it was written without this wrapper. */
export interface NotCompressedError extends KeyValueError {
  readonly name: "NotCompressedError";
}
/** A stored value is not in the compressed form: it was written without this wrapper. */
export const NotCompressedError: ErrorClass<NotCompressedError> = defineError({
  name: "NotCompressedError",
  code: "NOT_COMPRESSED",
  message: "Stored value is not compressed",
});

/**
 * Stores every value gzip-compressed, as `{ "gzip": "<base64>" }`, and restores it on read:
 * worth it for large, repetitive values in a backend that charges by the byte.
 */
export class CompressionWrapper extends BaseWrapper {
  protected override encodeValue(value: Value): Value {
    return { gzip: gzipSync(JSON.stringify(value)).toString("base64") };
  }

  protected override decodeValue(stored: Value, location: ValueLocation): Value {
    if (typeof stored.gzip !== "string") throw new NotCompressedError(location);
    return JSON.parse(gunzipSync(Buffer.from(stored.gzip, "base64")).toString("utf8"));
  }
}

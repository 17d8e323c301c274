import type { Value } from "@kv/protocol";
import { fromBase64, utf8Text } from "./text.ts";

/** The field holding the compressed JSON, as py-key-value names it: base64 of a gzip stream. */
export const dataField = "__compressed_data__";
/** The field holding the format version (1). */
export const versionField = "__compression_version__";
/** The field naming the codec ("gzip"). */
export const algorithmField = "__compression_algorithm__";

/** The stored object holding compressed data. */
export function envelope(data: string): Value {
  return { [dataField]: data, [versionField]: 1, [algorithmField]: "gzip" };
}

/** How many characters of JSON the envelope adds to its base64 data. */
export const envelopeOverhead: number = JSON.stringify(envelope("")).length;

/** True when a stored object is in the compressed form (it has the data field). */
export function isCompressed(stored: Value): boolean {
  return Object.hasOwn(stored, dataField);
}

/**
 * The gzip stream of a compressed object.
 * @throws Error saying why when a field is missing, of the wrong type or names another format
 */
export function compressedBytes(stored: Value): Uint8Array {
  const version = stored[versionField];
  if (version !== undefined && version !== 1) {
    throw new Error(`${versionField} ${JSON.stringify(version)} is not one this package reads (1)`);
  }
  const algorithm = stored[algorithmField];
  if (algorithm !== undefined && algorithm !== "gzip") {
    throw new Error(
      `${algorithmField} ${JSON.stringify(algorithm)} is not one this package reads (gzip)`,
    );
  }
  const data = stored[dataField];
  if (typeof data !== "string") throw new Error(`${dataField} is not a string`);
  return fromBase64(data);
}

/**
 * Parses decompressed UTF-8 JSON into the value it holds.
 * @throws Error when it is not JSON or not a JSON object
 */
export function parseValue(json: Uint8Array): Value {
  const value: unknown = JSON.parse(utf8Text(json));
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("The decompressed data is not a JSON object");
  }
  return value as Value;
}

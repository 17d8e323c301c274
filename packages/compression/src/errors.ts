import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/**
 * A stored value carries the compression marker (`__compressed_data__`) but cannot be restored:
 * the data is not gzip in base64, is corrupt, names an algorithm or version this package does not
 * read, or does not hold a JSON object. The cause says which.
 */
export interface DecompressionError extends KeyValueError {
  readonly name: "DecompressionError";
}
/**
 * A stored value carries the compression marker (`__compressed_data__`) but cannot be restored:
 * the data is not gzip in base64, is corrupt, names an algorithm or version this package does not
 * read, or does not hold a JSON object. The cause says which.
 */
export const DecompressionError: ErrorClass<DecompressionError> = defineError({
  name: "DecompressionError",
  code: "DECOMPRESSION",
  message: "The stored value could not be decompressed",
});

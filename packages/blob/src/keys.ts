import type { BlobOperation } from "./blob-store.ts";
import { InvalidBlobKeyError } from "./errors.ts";

/**
 * The keys every blob store accepts by default (simplekv's `VALID_KEY_REGEXP`): one or more ASCII
 * letters, digits and ``!"`#$%&'()+,-.<=>?@[]^_{}~``. Keys up to 250 characters are guaranteed.
 */
export const VALID_KEY_REGEXP: RegExp = /^[0-9a-zA-Z!"`#$%&'()+,\-.<=>?@[\]^_{}~]+$/;

/**
 * The default keys plus `/` and space (simplekv's extended keyspace), for stores whose keys form a
 * hierarchy such as directories or object-storage paths.
 */
export const EXTENDED_KEY_REGEXP: RegExp = /^[0-9a-zA-Z!"`#$%&'()+,\-.<=>?@[\]^_{}~/ ]+$/;

/** The length up to which every blob store accepts a key its pattern allows. */
export const GUARANTEED_KEY_LENGTH = 250;

/**
 * Checks a key against a pattern.
 * @throws InvalidBlobKeyError when `key` is not a string or does not match `pattern`
 */
export function validateBlobKey(
  key: unknown,
  pattern: RegExp = VALID_KEY_REGEXP,
  operation?: BlobOperation,
): asserts key is string {
  if (typeof key !== "string") {
    throw new InvalidBlobKeyError({
      operation,
      message: `A blob key must be a string, got ${key === null ? "null" : typeof key}`,
    });
  }
  if (!pattern.test(key)) {
    throw new InvalidBlobKeyError({
      operation,
      key,
      message: key === "" ? "A blob key must not be empty" : `A blob key must match ${pattern}`,
    });
  }
}

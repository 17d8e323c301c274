import { createHash } from "node:crypto";
import { codeUnitAt } from "@kv/protocol";

/** The separator py-key-value puts between a collection and a key. */
const SEPARATOR = "::";
/**
 * The longest memcached key written as it is, in UTF-8 bytes: py-key-value's limit (memcached's own
 * is 250). A longer one is replaced by `H_` and its SHA-256 digest.
 */
export const MAX_PLAIN_KEY_BYTES = 240;
/** What py-key-value puts before the digest of a key too long to write as it is. */
const DIGEST_PREFIX = "H_";
const needsEncoding = /[%:]/;
const whitespace = /\s/u;

/** Where an entry lives in memcached. */
export interface Location {
  /** The memcached key. */
  readonly name: string;
  /** True when `name` is a digest, so the entry document there must name its collection and key. */
  readonly hashed: boolean;
}

/**
 * Maps (collection, key) pairs to memcached keys: `collection::key`, py-key-value's layout, with
 * `%` and `:` in the collection written as `%25` and `%3A` so the first `::` always ends it. That
 * text is used as it is when memcached can hold it (at most 240 UTF-8 bytes, no whitespace or
 * control characters); otherwise the key is `H_` and the text's SHA-256 digest in hex, as
 * py-key-value's `MemcachedV1KeySanitizationStrategy` writes it (66 characters without `::`, so
 * a digest never meets a plain key).
 */
export class Layout {
  private lastCollection: string | undefined;
  private lastPrefix = "";

  /** The memcached key of one entry. */
  locate(collection: string, key: string): Location {
    if (collection !== this.lastCollection) {
      this.lastPrefix = `${encodeCollection(collection)}${SEPARATOR}`;
      this.lastCollection = collection;
    }
    const text = this.lastPrefix + key;
    if (fitsAsIs(text)) return { name: text, hashed: false };
    return {
      name: `${DIGEST_PREFIX}${createHash("sha256").update(text).digest("hex")}`,
      hashed: true,
    };
  }
}

/** Makes a collection name colon-free, reversibly; names without `%` or `:` are unchanged. */
export function encodeCollection(collection: string): string {
  if (!needsEncoding.test(collection)) return collection;
  return collection.replaceAll("%", "%25").replaceAll(":", "%3A");
}

/** True when memcached's text protocol can carry `text` as a key, as py-key-value's client would. */
function fitsAsIs(text: string): boolean {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  if (text.length * 3 > MAX_PLAIN_KEY_BYTES && Buffer.byteLength(text) > MAX_PLAIN_KEY_BYTES) {
    return false;
  }
  for (let index = 0; index < text.length; index++) {
    const code = codeUnitAt(text, index);
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return !whitespace.test(text);
}

import { BaseWrapper, type KeyValue, takeFirst } from "@kv/protocol";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** Options of `HashPrefixWrapper`. */
export interface HashPrefixWrapperOptions {
  /** How many hexadecimal characters of the key's SHA-256 go in front of it, 1 to 64. @default 2 */
  prefixLength?: number | undefined;
  /** Placed between the hash and the key. @default "/" */
  separator?: string | undefined;
}

/**
 * Stores every key behind the first characters of its SHA-256 (`a6/user-1`), which spreads
 * sequential or hot keys evenly across the shards, partitions or directories of a backend that
 * groups keys by prefix (S3, a hashed directory tree). The original key follows the hash, so
 * listings return it; a stored key whose hash does not match is not this wrapper's and is hidden.
 */
export class HashPrefixWrapper extends BaseWrapper {
  /** How many hexadecimal characters of the hash are stored in front of each key. */
  readonly prefixLength: number;
  /** The text between the hash and the key. */
  readonly separator: string;

  /**
   * @throws RangeError when `prefixLength` is not a whole number from 1 to 64
   * @throws TypeError when `separator` is not a string
   */
  constructor(store: KeyValue, options: HashPrefixWrapperOptions = {}) {
    super(store);
    const { prefixLength = 2, separator = "/" } = options;
    if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > 64) {
      throw new RangeError(`prefixLength must be a whole number from 1 to 64, got ${prefixLength}`);
    }
    if (typeof separator !== "string") throw new TypeError("separator must be a string");
    this.prefixLength = prefixLength;
    this.separator = separator;
    const { iterateKeys } = this;
    if (iterateKeys !== undefined) {
      // The inner `limit` counts keys this wrapper hides: take the first `limit` it shows instead.
      this.keys = async (keysOptions) => takeFirst(iterateKeys(keysOptions), keysOptions?.limit);
    }
  }

  protected override encodeKey(key: string): string {
    return this.#hash(key) + this.separator + key;
  }

  protected override decodeKey(stored: string): string | undefined {
    const start = this.prefixLength + this.separator.length;
    if (stored.length <= start || !stored.startsWith(this.separator, this.prefixLength)) {
      return undefined;
    }
    const key = stored.slice(start);
    return stored.startsWith(this.#hash(key)) ? key : undefined;
  }

  #hash(key: string): string {
    return bytesToHex(sha256(utf8ToBytes(key))).slice(0, this.prefixLength);
  }
}

import { InvalidKeyError } from "@kv/protocol";

/** The separator py-key-value puts between a collection and a key. */
const SEPARATOR = "::";
const needsEncoding = /[%:]/;

/**
 * Maps (collection, key) pairs to Redis keys and back: `[namespace:]collection::key`, the
 * py-key-value layout. Collections never contain `:` once encoded (`%` → `%25`, `:` → `%3A`), so
 * the first `::` after the namespace always ends the collection and no two pairs can meet.
 */
export class Layout {
  /** What every key of the store starts with: `""` or `"<namespace>:"`. */
  readonly prefix: string;

  /** @throws InvalidKeyError when the namespace is empty, contains `::` or ends with `:` */
  constructor(namespace: string | undefined) {
    if (namespace !== undefined) {
      if (typeof namespace !== "string" || namespace.length === 0) {
        throw new InvalidKeyError({ message: "namespace must be a non-empty string" });
      }
      if (namespace.includes(SEPARATOR) || namespace.endsWith(":")) {
        throw new InvalidKeyError({
          message: `namespace must not contain "::" nor end with ":", got ${JSON.stringify(namespace)}`,
        });
      }
    }
    this.prefix = namespace === undefined ? "" : `${namespace}:`;
  }

  private lastCollection: string | undefined;
  private lastPrefix = "";
  private lastJson = "";

  /** The start of every Redis key of one collection. */
  collectionPrefix(collection: string): string {
    if (collection !== this.lastCollection) this.remember(collection);
    return this.lastPrefix;
  }

  /** `JSON.stringify(collection)`, as entry documents hold it. */
  collectionJson(collection: string): string {
    if (collection !== this.lastCollection) this.remember(collection);
    return this.lastJson;
  }

  private remember(collection: string): void {
    this.lastPrefix = `${this.prefix}${encodeCollection(collection)}${SEPARATOR}`;
    this.lastJson = JSON.stringify(collection);
    this.lastCollection = collection;
  }

  /** The `SCAN MATCH` pattern of one collection's keys. */
  collectionPattern(collection: string): string {
    return `${escapeGlob(this.collectionPrefix(collection))}*`;
  }

  /** The `SCAN MATCH` pattern of every key the layout may own (filter with `parse`). */
  storePattern(): string {
    return `${escapeGlob(this.prefix)}*${SEPARATOR}*`;
  }

  /** The (collection, key) a Redis key stands for, or `undefined` when it is not in the layout. */
  parse(redisKey: string): [collection: string, key: string] | undefined {
    if (!redisKey.startsWith(this.prefix)) return undefined;
    const end = redisKey.indexOf(SEPARATOR, this.prefix.length);
    if (end <= this.prefix.length) return undefined;
    const collection = redisKey.slice(this.prefix.length, end);
    if (collection.includes(":")) return undefined;
    return [decodeCollection(collection), redisKey.slice(end + SEPARATOR.length)];
  }
}

/** Makes a collection name colon-free, reversibly; names without `%` or `:` are unchanged. */
export function encodeCollection(collection: string): string {
  if (!needsEncoding.test(collection)) return collection;
  return collection.replaceAll("%", "%25").replaceAll(":", "%3A");
}

function decodeCollection(encoded: string): string {
  if (!encoded.includes("%")) return encoded;
  return encoded.replace(/%3A|%25/g, (sequence) => (sequence === "%3A" ? ":" : "%"));
}

/** Escapes Redis glob syntax (`*`, `?`, `[`, `]`, `\`) so the text matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

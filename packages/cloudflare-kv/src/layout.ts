/** Workers KV refuses keys longer than this many UTF-8 bytes. */
export const maxKeyBytes = 512;
/** Room left for the collection part of a name; a longer collection is stored by its digest. */
const maxCollectionBytes = 200;
const encoder = new TextEncoder();

/**
 * Names KV keys `<prefix><collection>/<key>`. The collection has `%`, `/` and `#` escaped, so it
 * ends at the first `/`. A part that would not fit KV's 512-byte limit, or a key starting with
 * `#`, is written as `#` and the SHA-256 of the name (hex): no literal part starts with `#`, so no
 * two (collection, key) pairs meet, and the entry's document keeps the real names.
 */
export class KvLayout {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The KV key of one entry. */
  async name(collection: string, key: string): Promise<string> {
    const start = await this.collectionPrefix(collection);
    const literal = !key.startsWith("#") && bytes(start) + bytes(key) <= maxKeyBytes;
    return start + (literal ? key : `#${await digest(key)}`);
  }

  /** The start of every KV key in one collection. */
  async collectionPrefix(collection: string): Promise<string> {
    const escaped = collection.replaceAll("%", "%25").replaceAll("/", "%2F").replaceAll("#", "%23");
    const part =
      bytes(escaped) <= maxCollectionBytes && !escaped.startsWith("#")
        ? escaped
        : `#${await digest(collection)}`;
    return `${this.prefix}${part}/`;
  }

  /** The collection part of a KV key: its real name, or `undefined` when only a digest is kept. */
  literalCollection(name: string): string | undefined {
    const part = name.slice(this.prefix.length, name.indexOf("/", this.prefix.length));
    if (part.startsWith("#")) return undefined;
    return part.replaceAll("%23", "#").replaceAll("%2F", "/").replaceAll("%25", "%");
  }

  /** The key part of a KV key in a collection: its real key, or `undefined` for a digest. */
  literalKey(name: string, collectionPrefix: string): string | undefined {
    const part = name.slice(collectionPrefix.length);
    return part.startsWith("#") ? undefined : part;
  }
}

function bytes(text: string): number {
  return encoder.encode(text).length;
}

async function digest(text: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(hash, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

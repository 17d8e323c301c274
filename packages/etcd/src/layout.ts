import { StoreConfigurationError } from "@kv/protocol";

/** The separator between the namespace, the collection and the key. */
const SEPARATOR = "/";
/** The byte right after `/`: the end of every range that holds one collection's keys. */
const AFTER_SEPARATOR = "0";

/**
 * Maps (collection, key) pairs to etcd keys and back: `<namespace>/<collection>/<key>`, the
 * collection with `%` and `/` escaped (`%25`, `%2F`), the key as it is. An encoded collection
 * holds no `/`, so the first `/` after the namespace ends it and no two pairs can meet.
 */
export class Layout {
  /** What every etcd key of the store starts with: `<namespace>/`. */
  readonly prefix: string;
  private lastCollection: string | undefined;
  private lastPrefix = "";

  /** @throws StoreConfigurationError when the namespace is empty or contains `/` */
  constructor(namespace: string) {
    if (typeof namespace !== "string" || namespace.length === 0 || namespace.includes(SEPARATOR)) {
      throw new StoreConfigurationError({
        message: `namespace must be a non-empty string without "/", got ${JSON.stringify(namespace)}`,
      });
    }
    this.prefix = namespace + SEPARATOR;
  }

  /** The etcd key of one entry. */
  key(collection: string, key: string): string {
    return this.collectionPrefix(collection) + key;
  }

  /** The start of every etcd key of one collection: `<namespace>/<collection>/`. */
  collectionPrefix(collection: string): string {
    if (collection !== this.lastCollection) {
      this.lastPrefix = this.prefix + encodeCollection(collection) + SEPARATOR;
      this.lastCollection = collection;
    }
    return this.lastPrefix;
  }

  /**
   * The collection an etcd key of the store belongs to, with the start of that collection's keys
   * and the first key after them (where the next collection starts); `undefined` for a key
   * outside the layout.
   */
  locate(etcdKey: string): { collection: string; prefix: string; after: string } | undefined {
    if (!etcdKey.startsWith(this.prefix)) return undefined;
    const end = etcdKey.indexOf(SEPARATOR, this.prefix.length);
    if (end <= this.prefix.length) return undefined;
    const encoded = etcdKey.slice(this.prefix.length, end);
    const collection = decodeCollection(encoded);
    if (encodeCollection(collection) !== encoded) return undefined;
    const start = this.prefix + encoded;
    return { collection, prefix: start + SEPARATOR, after: start + AFTER_SEPARATOR };
  }
}

/** The exclusive end of the range of every key starting with `prefix` (etcd's prefix range). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let index = end.length - 1; index >= 0; index--) {
    if ((end[index] as number) < 0xff) {
      end[index] = (end[index] as number) + 1;
      return end.subarray(0, index + 1);
    }
  }
  return Buffer.from([0]);
}

/** Makes a collection name slash-free, reversibly; names without `%` or `/` are unchanged. */
export function encodeCollection(collection: string): string {
  if (!/[%/]/.test(collection)) return collection;
  return collection.replaceAll("%", "%25").replaceAll("/", "%2F");
}

function decodeCollection(encoded: string): string {
  if (!encoded.includes("%")) return encoded;
  return encoded.replace(/%2F|%25/g, (sequence) => (sequence === "%2F" ? "/" : "%"));
}

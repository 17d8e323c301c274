import type { BlobStore } from "@kv/blob";
import {
  type BaseStoreOptions,
  deserializeEntry,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  serializeEntry,
  storeWith,
} from "@kv/protocol";
import { decodeName, encodeName } from "./names.ts";

/** Options of `BlobKeyValueStore`. */
export interface BlobKeyValueStoreOptions extends BaseStoreOptions {
  /**
   * Text before every blob key the store writes (such as `"kv/"`), so entries can share a blob
   * store with other blobs. It must be valid in the blob store's keys. @default ""
   */
  prefix?: string | undefined;
  /**
   * The character between a collection and a key in a blob key. @default `/` when the blob store's
   * `keyPattern` accepts `a/b` (a directory per collection on a file system), else `~`
   */
  separator?: string | undefined;
  /** `close()` also closes the blob store. @default false: the blob store is borrowed */
  closeBlobStore?: boolean | undefined;
}

const Base: StoreClass<EnumerationCapability | "close" | "entries"> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "close",
  "entries",
);

/**
 * A `KeyValue` over any `BlobStore`: each entry is one blob holding py-key-value's JSON document
 * (`{"collection":…,"created_at":…,"expires_at":…,"key":…,"value":…,"version":1}`) at
 * `<prefix><collection><separator><key>`, with the collection and key percent-encoded (every
 * UTF-8 byte outside `A-Z a-z 0-9 - _` as `%XX`) so any name is a valid blob key. Expiry is read
 * from the document; `cull()` deletes expired blobs. Keys and collections are listed with the
 * blob store's prefix listing, reading each entry to leave out expired ones.
 */
export class BlobKeyValueStore extends Base {
  /** The blob store holding the entries. */
  readonly blobs: BlobStore;
  /** The text before every blob key. */
  readonly prefix: string;
  /** The character between the collection and the key. */
  readonly separator: string;
  readonly #closeBlobStore: boolean;

  /**
   * @throws RangeError for a separator that is not one character outside the encoded alphabet,
   * or a prefix the blob store's `keyPattern` refuses; InvalidKeyError for a bad default collection
   */
  constructor(blobs: BlobStore, options: BlobKeyValueStoreOptions = {}) {
    super(options);
    const pattern = (blobs as { keyPattern?: unknown }).keyPattern;
    const accepts = (key: string) => !(pattern instanceof RegExp) || pattern.test(key);
    const separator = options.separator ?? (accepts("a/b") ? "/" : "~");
    if (separator.length !== 1 || /[0-9A-Za-z_%-]/.test(separator)) {
      throw new RangeError(
        `separator must be one character other than A-Z a-z 0-9 - _ %, got ${JSON.stringify(separator)}`,
      );
    }
    const prefix = options.prefix ?? "";
    if (!accepts(`${prefix}a${separator}a`)) {
      throw new RangeError(
        `The blob store refuses keys with the prefix ${JSON.stringify(prefix)} and separator ${JSON.stringify(separator)}`,
      );
    }
    this.blobs = blobs;
    this.prefix = prefix;
    this.separator = separator;
    this.#closeBlobStore = options.closeBlobStore === true;
  }

  /** The blob key holding an entry. */
  blobKeyOf(collection: string, key: string): string {
    return this.#start(collection) + encodeName(key);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.#read(this.blobKeyOf(collection, key));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    await this.blobs.put(
      this.blobKeyOf(collection, key),
      serializeEntry(entry, { collection, key }),
    );
  }

  /** Deletes the blob; an expired entry is deleted too but does not count as removed. */
  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const blobKey = this.blobKeyOf(collection, key);
    const entry = await this.#read(blobKey);
    if (entry === undefined) return false;
    await this.blobs.delete(blobKey);
    return !isExpired(entry, this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const start = this.#start(collection);
    for await (const blobKey of this.blobs.iterateKeys({ prefix: start })) {
      const key = decodeName(blobKey.slice(start.length));
      if (key !== undefined && (await this.#isLive(blobKey))) yield key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    const { prefix, separator } = this;
    for await (const start of this.blobs.iteratePrefixes({ prefix, delimiter: separator })) {
      if (!start.endsWith(separator)) continue;
      const collection = decodeName(start.slice(prefix.length, -1));
      if (collection !== undefined && (await this.#holdsLiveEntry(start))) yield collection;
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    return (await this.#deleteWhere(this.#start(collection), () => true)) > 0;
  }

  protected async dropAll(): Promise<boolean> {
    return (await this.#deleteWhere(this.prefix, () => true)) > 0;
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    await this.#deleteWhere(this.prefix, async (blobKey) => {
      const entry = await this.#read(blobKey).catch(() => undefined);
      return entry !== undefined && isExpired(entry, now);
    });
  }

  protected async release(): Promise<void> {
    if (this.#closeBlobStore) await this.blobs.close();
  }

  #start(collection: string): string {
    return this.prefix + encodeName(collection) + this.separator;
  }

  /** True for a blob key of this store's layout under its prefix. */
  #isEntryKey(blobKey: string): boolean {
    const parts = blobKey.slice(this.prefix.length).split(this.separator);
    return parts.length === 2 && parts.every((part) => decodeName(part) !== undefined);
  }

  async #read(blobKey: string): Promise<ManagedEntry | undefined> {
    const bytes = await this.blobs.tryGet(blobKey);
    return bytes === undefined ? undefined : deserializeEntry(Buffer.from(bytes).toString("utf8"));
  }

  async #isLive(blobKey: string): Promise<boolean> {
    const entry = await this.#read(blobKey);
    return entry !== undefined && !isExpired(entry, this.clock.now());
  }

  async #holdsLiveEntry(start: string): Promise<boolean> {
    for await (const blobKey of this.blobs.iterateKeys({ prefix: start })) {
      if (this.#isEntryKey(blobKey) && (await this.#isLive(blobKey))) return true;
    }
    return false;
  }

  /** Deletes the entry blobs under `start` that `doomed` picks; returns how many were deleted. */
  async #deleteWhere(
    start: string,
    doomed: (blobKey: string) => boolean | Promise<boolean>,
  ): Promise<number> {
    let deleted = 0;
    for await (const blobKey of this.blobs.iterateKeys({ prefix: start })) {
      if (!this.#isEntryKey(blobKey) || !(await doomed(blobKey))) continue;
      if (await this.blobs.delete(blobKey)) deleted++;
    }
    return deleted;
  }
}

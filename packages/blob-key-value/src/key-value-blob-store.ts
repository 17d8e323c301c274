import {
  BaseBlobStore,
  type BaseBlobStoreOptions,
  type BlobTtl,
  type BlobWriteOptions,
  singleChunk,
} from "@kv/blob";
import {
  DeserializationError,
  type KeyEnumeration,
  type KeyValue,
  supportsKeys,
  validateCollection,
} from "@kv/protocol";
import { BlobTooLargeError } from "./errors.ts";

/** Options of `KeyValueBlobStore`. */
export interface KeyValueBlobStoreOptions extends BaseBlobStoreOptions {
  /** The collection holding the blobs. @default "blobs" */
  collection?: string | undefined;
  /** The largest blob accepted, in bytes (its entry holds about 4/3 of it as base64). @default 1 MiB */
  maxBytes?: number | undefined;
}

/** The default `maxBytes`: 1 MiB. */
const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * A blob store over any `KeyValue` that can list keys, for small objects: each blob is one
 * entry `{ "data": "<standard base64 of the bytes>" }` under the blob's key in one collection,
 * with the blob's TTL as the entry's. Blobs are held whole in memory on the way in and out, and
 * blobs over `maxBytes` are refused with `BlobTooLargeError` before anything is written.
 */
export class KeyValueBlobStore extends BaseBlobStore implements BlobTtl {
  /** `put` accepts `ttl` (every `KeyValue` has TTL). */
  readonly ttlSupport = true as const;
  /** The store holding the entries. */
  readonly store: KeyValue & KeyEnumeration;
  /** The collection holding the blobs. */
  readonly collection: string;
  /** The largest blob accepted, in bytes. */
  readonly maxBytes: number;

  /**
   * @throws TypeError when the store cannot list keys; InvalidKeyError for a bad collection;
   * RangeError for a `maxBytes` that is not a positive integer
   */
  constructor(store: KeyValue & KeyEnumeration, options: KeyValueBlobStoreOptions = {}) {
    super(options);
    if (!supportsKeys(store))
      throw new TypeError("KeyValueBlobStore needs a store that lists keys");
    const collection = options.collection ?? "blobs";
    validateCollection(collection);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
    }
    this.store = store;
    this.collection = collection;
    this.maxBytes = maxBytes;
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = await this.readBytes(key);
    return bytes === undefined ? undefined : singleChunk(bytes);
  }

  /** @throws DeserializationError when the entry is not `{ data: <base64> }` */
  protected override async readBytes(key: string): Promise<Uint8Array | undefined> {
    const value = await this.store.get(key, { collection: this.collection });
    if (value === undefined) return undefined;
    const data = value.data;
    if (typeof data !== "string" || !BASE64.test(data)) {
      throw new DeserializationError({
        operation: "get",
        collection: this.collection,
        key,
        message: "The entry is not a blob: it needs a base64 string in data",
      });
    }
    return Buffer.from(data, "base64");
  }

  /** @throws BlobTooLargeError once the chunks pass `maxBytes` (nothing is written) */
  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<void> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of chunks) {
      length += chunk.byteLength;
      if (length > this.maxBytes) throw this.#tooLarge(key);
      parts.push(chunk);
    }
    await this.#write(key, Buffer.concat(parts), options);
  }

  /** @throws BlobTooLargeError above `maxBytes` */
  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    options: BlobWriteOptions,
  ): Promise<void> {
    if (bytes.byteLength > this.maxBytes) throw this.#tooLarge(key);
    await this.#write(key, bytes, options);
  }

  protected override deleteBlob(key: string): Promise<boolean> {
    return this.store.delete(key, { collection: this.collection });
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    return (await this.store.get(key, { collection: this.collection })) !== undefined;
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    for await (const key of this.store.iterateKeys({ collection: this.collection })) {
      if (key.startsWith(prefix)) yield key;
    }
  }

  async #write(key: string, bytes: Uint8Array, options: BlobWriteOptions): Promise<void> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    await this.store.put(key, { data }, { collection: this.collection, ttl: options.ttl });
  }

  #tooLarge(key: string): BlobTooLargeError {
    return new BlobTooLargeError({
      operation: "put",
      key,
      maxBytes: this.maxBytes,
      message: `The blob is larger than maxBytes (${this.maxBytes} bytes); nothing was written`,
    });
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

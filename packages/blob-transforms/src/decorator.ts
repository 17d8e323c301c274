import type { Readable } from "node:stream";
import {
  BaseBlobStore,
  type BlobStore,
  type BlobWriteOptions,
  type FileWriteOptions,
  MissingKeyError,
  supportsBlobTtl,
  supportsUrlFor,
  VALID_KEY_REGEXP,
} from "@kv/blob";

/** Options every decorator accepts. */
export interface BlobStoreDecoratorOptions {
  /** The keys the decorator accepts. @default the inner store's `keyPattern`, else `VALID_KEY_REGEXP` */
  keyPattern?: RegExp | undefined;
}

/** The keys a blob store accepts, when it says (`BaseBlobStore.keyPattern`). */
export function keyPatternOf(store: BlobStore): RegExp | undefined {
  const pattern = (store as { keyPattern?: unknown }).keyPattern;
  return pattern instanceof RegExp ? pattern : undefined;
}

/**
 * The base of every decorator: a `BlobStore` over another one, itself a `BlobStore` built on
 * `BaseBlobStore` (so keys, TTLs and data are checked before anything reaches the inner store).
 * It maps keys with `innerKey`/`outerKey`, transforms bytes with `encodeChunks`/`decodeChunks`
 * and `encodeBytes`/`decodeBytes` (identity by default), and forwards TTL when the inner store has
 * it and `urlFor` when it has it and the bytes pass unchanged (`passesBytes`). `close()` closes
 * the inner store: a decorator owns what it wraps.
 */
export abstract class BlobStoreDecorator extends BaseBlobStore {
  /** The decorated store. */
  readonly inner: BlobStore;
  /** Present (and `true`) when the inner store accepts `ttl`. */
  declare readonly ttlSupport?: true;
  /** Present when the inner store has `urlFor` and the decorator stores the bytes unchanged. */
  declare readonly urlFor?: (key: string) => Promise<string>;

  constructor(inner: BlobStore, options: BlobStoreDecoratorOptions = {}) {
    super({ keyPattern: options.keyPattern ?? keyPatternOf(inner) ?? VALID_KEY_REGEXP });
    this.inner = inner;
    if (supportsBlobTtl(inner)) {
      Object.defineProperty(this, "ttlSupport", { value: true, enumerable: true });
    }
    if (this.passesBytes && supportsUrlFor(inner)) {
      const urlFor = (key: string) =>
        this.withKey("get", key, () => inner.urlFor(this.innerKey(key)));
      Object.defineProperty(this, "urlFor", { value: urlFor, enumerable: false });
    }
  }

  /** True when the inner store holds the bytes as given (only keys change): files and URLs pass through. */
  protected get passesBytes(): boolean {
    return true;
  }

  /** The inner store's key for a (validated) key. */
  protected innerKey(key: string): string {
    return key;
  }

  /** The key an inner key stands for, or `undefined` to leave it out of listings. */
  protected outerKey(innerKey: string): string | undefined {
    return innerKey;
  }

  /** The inner prefix to list for keys starting with `prefix` (results are filtered again). */
  protected innerPrefix(prefix: string): string {
    return this.innerKey(prefix);
  }

  /** The stored form of a stream. Default: unchanged. */
  protected encodeChunks(
    _key: string,
    chunks: AsyncIterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    return chunks;
  }

  /** The bytes of a stored stream. Default: unchanged. */
  protected decodeChunks(_key: string, stored: Readable): AsyncIterable<Uint8Array> {
    return stored;
  }

  /** The stored form of bytes held in memory. Default: unchanged. */
  protected encodeBytes(_key: string, bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
    return bytes;
  }

  /** The bytes of a stored blob held in memory. Default: unchanged. */
  protected decodeBytes(_key: string, stored: Uint8Array): Uint8Array | Promise<Uint8Array> {
    return stored;
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      return this.decodeChunks(key, await this.inner.open(this.innerKey(key)));
    } catch (error) {
      if (MissingKeyError.isInstance(error)) return undefined;
      throw error;
    }
  }

  protected override async readBytes(key: string): Promise<Uint8Array | undefined> {
    const stored = await this.inner.tryGet(this.innerKey(key));
    return stored === undefined ? undefined : this.decodeBytes(key, stored);
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<void> {
    await this.inner.put(this.innerKey(key), this.encodeChunks(key, chunks), ttlOf(options));
  }

  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    options: BlobWriteOptions,
  ): Promise<void> {
    await this.inner.put(this.innerKey(key), await this.encodeBytes(key, bytes), ttlOf(options));
  }

  protected override writeFromFile(
    key: string,
    path: string,
    options: FileWriteOptions,
  ): Promise<void> {
    if (!this.passesBytes) return super.writeFromFile(key, path, options);
    return this.inner.putFile(this.innerKey(key), path, { ...ttlOf(options), move: options.move });
  }

  protected override async readToFile(key: string, path: string): Promise<boolean> {
    if (!this.passesBytes) return super.readToFile(key, path);
    try {
      await this.inner.getFile(this.innerKey(key), path);
      return true;
    } catch (error) {
      if (MissingKeyError.isInstance(error)) return false;
      throw error;
    }
  }

  protected override deleteBlob(key: string): Promise<boolean> {
    return this.inner.delete(this.innerKey(key));
  }

  protected override hasBlob(key: string): Promise<boolean> {
    return this.inner.has(this.innerKey(key));
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    for await (const innerKey of this.inner.iterateKeys({ prefix: this.innerPrefix(prefix) })) {
      const key = this.outerKey(innerKey);
      if (key !== undefined) yield key;
    }
  }

  protected override release(): Promise<void> {
    return this.inner.close();
  }
}

function ttlOf(options: BlobWriteOptions): { ttl: number } | undefined {
  return options.ttl === undefined ? undefined : { ttl: options.ttl };
}

import { createReadStream, createWriteStream } from "node:fs";
import { rm, unlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DEFAULT_LIST_LIMIT,
  type ErrorContext,
  InvalidTtlError,
  KeyValueError,
  messageOf,
  resolveTtl,
  StoreClosedError,
  StoreConnectionError,
  StoreSetupError,
  toStoreError,
} from "@kv/protocol";
import {
  type BlobData,
  type BlobKeyListOptions,
  type BlobKeysOptions,
  type BlobOperation,
  type BlobPrefixesOptions,
  type BlobPutOptions,
  type BlobStore,
  type PutFileOptions,
  supportsBlobTtl,
} from "./blob-store.ts";
import { collectBytes, singleChunk, toBlobSource, toReadable } from "./chunks.ts";
import { InvalidBlobKeyError, MissingKeyError } from "./errors.ts";
import { VALID_KEY_REGEXP, validateBlobKey } from "./keys.ts";
import { prefixesOf } from "./prefixes.ts";

/** Options every blob store built on `BaseBlobStore` accepts. */
export interface BaseBlobStoreOptions {
  /** The keys the store accepts. @default VALID_KEY_REGEXP (simplekv's) */
  keyPattern?: RegExp | undefined;
}

/** What the write hooks receive besides the data. */
export interface BlobWriteOptions {
  /** Validated seconds until expiry (only for stores with `ttlSupport`), or `undefined`. */
  ttl: number | undefined;
}

/** What `writeFromFile` receives besides the path. */
export interface FileWriteOptions extends BlobWriteOptions {
  /** The file may be moved instead of copied; it must be gone after a successful write. */
  move: boolean;
}

/**
 * The template every blob store extends (simplekv's `KeyValueStore`). Public methods check the
 * key (and TTL and data) before anything is written, normalise every kind of data into one
 * async iterable of byte chunks, run the one-time `setup`, call the `protected` hooks, and turn
 * backend failures into `StoreError`s via `mapError`.
 *
 * A store implements `openBlob`, `writeBlob`, `deleteBlob` and `listKeys` (simplekv's `_open`,
 * `_put_file`, `_delete` and `iter_keys`); it overrides `readBytes`, `writeBytes`,
 * `writeFromFile`, `readToFile`, `hasBlob` and `listPrefixes` where the backend does better than
 * the defaults, `keyProblem` to refuse more keys, and `release` to free what it owns.
 */
export abstract class BaseBlobStore implements BlobStore {
  /** The keys this store accepts. */
  readonly keyPattern: RegExp;
  #closed = false;
  #ready = false;
  #setup: Promise<void> | undefined;

  constructor(options: BaseBlobStoreOptions = {}) {
    this.keyPattern = options.keyPattern ?? VALID_KEY_REGEXP;
  }

  /**
   * The blob's bytes as a stream (read lazily), or `undefined` when the key holds nothing. A Node
   * `Readable` is handed to the caller as it is (its errors mapped by `mapError` as it is
   * destroyed), so it costs nothing per chunk; any other iterable is wrapped in one.
   */
  protected abstract openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;

  /**
   * Stores the chunks under the key atomically: readers see the old blob or the whole new one, and
   * when `chunks` throws (pass its error on unchanged) nothing changes.
   */
  protected abstract writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<void>;

  /** Removes the blob; `true` when there was one. */
  protected abstract deleteBlob(key: string): Promise<boolean>;

  /** Yields every key starting with `prefix` (more is filtered out), in bounded memory. */
  protected abstract listKeys(prefix: string): AsyncIterable<string>;

  /** The whole blob, or `undefined`. Default: collects `openBlob`. */
  protected async readBytes(key: string): Promise<Uint8Array | undefined> {
    const chunks = await this.openBlob(key);
    return chunks === undefined ? undefined : collectBytes(chunks);
  }

  /** Stores bytes held in memory (the caller may change them afterwards). Default: `writeBlob`. */
  protected writeBytes(key: string, bytes: Uint8Array, options: BlobWriteOptions): Promise<void> {
    return this.writeBlob(key, singleChunk(bytes), options);
  }

  /**
   * Stores a file's contents; with `move` the file must be gone afterwards. Default: streams the
   * file into `writeBlob` (read failures as `BlobSourceError`), then removes it when moving.
   */
  protected async writeFromFile(
    key: string,
    path: string,
    options: FileWriteOptions,
  ): Promise<void> {
    const source = toBlobSource(createReadStream(path), { operation: "put", key });
    await this.writeBlob(key, source.chunks ?? singleChunk(source.bytes), options);
    if (options.move) await unlink(path);
  }

  /**
   * Writes the blob to a file, replacing it; `false` (creating nothing) when the key is missing.
   * Default: pipes `openBlob` into the file and removes the file when that fails.
   */
  protected async readToFile(key: string, path: string): Promise<boolean> {
    const chunks = await this.openBlob(key);
    if (chunks === undefined) return false;
    try {
      await pipeline(toReadable(chunks), createWriteStream(path));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return true;
  }

  /** True when a blob is stored under the key. Default: looks for it in `listKeys(key)`. */
  protected async hasBlob(key: string): Promise<boolean> {
    for await (const found of this.listKeys(key)) if (found === key) return true;
    return false;
  }

  /** `iteratePrefixes` for the backend. Default: cuts the keys of `listKeys(prefix)`. */
  protected listPrefixes(prefix: string, delimiter: string): AsyncIterable<string> {
    return prefixesOf(this.listKeys(prefix), prefix, delimiter);
  }

  /**
   * Why this store refuses a key its pattern allows (a path segment `..` in a file system ...),
   * or `undefined` to accept it. Called before anything is written.
   */
  protected keyProblem(_key: string): string | undefined {
    return undefined;
  }

  /** Prepares the backend once (create a directory, connect ...). Retried after a failure. */
  protected setup(): Promise<void> {
    return Promise.resolve();
  }

  /** Releases what the store owns (never a client it borrowed). Called once, by `close()`. */
  protected release(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Turns a backend failure into a `KeyValueError`. The default keeps `KeyValueError`s and wraps
   * anything else in `StoreError`; stores override it to tell transient failures apart.
   */
  protected mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toStoreError(error, context);
  }

  /** @inheritdoc */
  async get(key: string): Promise<Uint8Array> {
    const bytes = await this.withKey("get", key, () => this.readBytes(key));
    if (bytes === undefined) throw new MissingKeyError({ operation: "get", key });
    return bytes;
  }

  /** @inheritdoc */
  tryGet(key: string): Promise<Uint8Array | undefined> {
    return this.withKey("get", key, () => this.readBytes(key));
  }

  /** @inheritdoc */
  async put(key: string, data: BlobData, options?: BlobPutOptions): Promise<void> {
    this.checkKey(key, "put");
    const writeOptions = { ttl: this.resolvePutTtl(options, key) };
    const source = toBlobSource(data, { operation: "put", key });
    await this.withKey("put", key, () =>
      source.bytes === undefined
        ? this.writeBlob(key, source.chunks, writeOptions)
        : this.writeBytes(key, source.bytes, writeOptions),
    );
  }

  /** @inheritdoc */
  async open(key: string): Promise<Readable> {
    const chunks = await this.withKey("get", key, () => this.openBlob(key));
    if (chunks === undefined) throw new MissingKeyError({ operation: "get", key });
    const context = { operation: "get", key } as const;
    if (chunks instanceof Readable) {
      return mapStreamErrors(chunks, (error) => this.mapError(error, context));
    }
    return toReadable(this.#mapErrors(chunks, context));
  }

  /** @inheritdoc */
  async putFile(key: string, path: string, options?: PutFileOptions): Promise<void> {
    this.checkKey(key, "put");
    const ttl = this.resolvePutTtl(options, key);
    checkPath(path);
    const move = options?.move === true;
    await this.withKey("put", key, () => this.writeFromFile(key, path, { ttl, move }));
  }

  /** @inheritdoc */
  async getFile(key: string, path: string): Promise<void> {
    this.checkKey(key, "get");
    checkPath(path);
    const found = await this.withKey("get", key, () => this.readToFile(key, path));
    if (!found) throw new MissingKeyError({ operation: "get", key });
  }

  /** @inheritdoc */
  has(key: string): Promise<boolean> {
    return this.withKey("get", key, () => this.hasBlob(key));
  }

  /** @inheritdoc */
  delete(key: string): Promise<boolean> {
    return this.withKey("delete", key, () => this.deleteBlob(key));
  }

  /** @inheritdoc */
  async keys(options?: BlobKeyListOptions): Promise<string[]> {
    const limit = options?.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new RangeError(`keys() needs a positive integer limit, got ${String(limit)}`);
    }
    const keys: string[] = [];
    for await (const key of this.iterateKeys(options)) {
      keys.push(key);
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /** @inheritdoc */
  iterateKeys(options?: BlobKeysOptions): AsyncIterable<string> {
    const prefix = checkPrefix(options?.prefix);
    return this.iterate(() => filterPrefix(this.listKeys(prefix), prefix));
  }

  /** @inheritdoc */
  iteratePrefixes(options: BlobPrefixesOptions): AsyncIterable<string> {
    const prefix = checkPrefix(options?.prefix);
    const delimiter = options?.delimiter;
    if (typeof delimiter !== "string" || delimiter === "") {
      throw new TypeError("iteratePrefixes needs a non-empty delimiter");
    }
    return this.iterate(() => this.listPrefixes(prefix, delimiter));
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    try {
      await this.release();
    } catch (error) {
      throw this.mapError(error, { operation: "close" });
    }
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` has begun: every later call throws `StoreClosedError`. */
  protected get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Refuses a key this store cannot hold.
   * @throws InvalidBlobKeyError
   */
  protected checkKey(key: string, operation: BlobOperation): void {
    validateBlobKey(key, this.keyPattern, operation);
    const problem = this.keyProblem(key);
    if (problem !== undefined) throw new InvalidBlobKeyError({ operation, key, message: problem });
  }

  /**
   * Runs a call on one key with key validation, the store's setup and error mapping: what a
   * store's own capability methods (`urlFor` ...) are built on.
   * @throws InvalidBlobKeyError, StoreClosedError, what `mapError` makes of a failure
   */
  protected async withKey<T>(
    operation: BlobOperation,
    key: string,
    call: () => Promise<T>,
  ): Promise<T> {
    this.checkKey(key, operation);
    try {
      if (!this.#ready) await this.#prepare();
      return await call();
    } catch (error) {
      throw this.mapError(error, { operation, key });
    }
  }

  /** The TTL of a `put` in seconds, refused by stores without `ttlSupport`. */
  private resolvePutTtl(options: BlobPutOptions | undefined, key: string): number | undefined {
    const ttl = options?.ttl;
    if (ttl === undefined) return undefined;
    if (!supportsBlobTtl(this)) {
      throw new InvalidTtlError({ operation: "put", key, message: "This blob store has no TTL" });
    }
    return resolveTtl(ttl, { operation: "put", key });
  }

  private async *iterate(
    source: () => AsyncIterable<string>,
  ): AsyncGenerator<string, void, undefined> {
    try {
      if (!this.#ready) await this.#prepare();
      yield* source();
    } catch (error) {
      throw this.mapError(error, { operation: "keys" });
    }
  }

  async *#mapErrors(
    chunks: AsyncIterable<Uint8Array>,
    context: ErrorContext,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield* chunks;
    } catch (error) {
      throw this.mapError(error, context);
    }
  }

  async #prepare(): Promise<void> {
    if (this.#closed) throw new StoreClosedError();
    this.#setup ??= this.setup().catch((error: unknown) => {
      this.#setup = undefined;
      if (KeyValueError.isInstance(error)) throw error;
      const mapped = this.mapError(error, { operation: "setup" });
      if (StoreConnectionError.isInstance(mapped)) throw mapped;
      throw new StoreSetupError({ operation: "setup", message: messageOf(error), cause: error });
    });
    await this.#setup;
    this.#ready = !this.#closed;
  }
}

function checkPath(path: unknown): void {
  if (typeof path !== "string" || path === "") {
    throw new TypeError("A file path must be a non-empty string");
  }
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return "";
  if (typeof prefix !== "string") {
    throw new InvalidBlobKeyError({ operation: "keys", message: "A key prefix must be a string" });
  }
  return prefix;
}

async function* filterPrefix(keys: AsyncIterable<string>, prefix: string): AsyncGenerator<string> {
  if (prefix === "") {
    yield* keys;
    return;
  }
  for await (const key of keys) if (key.startsWith(prefix)) yield key;
}

/** Makes the errors a stream is destroyed with (which it then emits) pass through `map`. */
function mapStreamErrors(stream: Readable, map: (error: unknown) => Error): Readable {
  const destroy = stream._destroy.bind(stream);
  stream._destroy = (error, callback) => {
    destroy(error, (failure) =>
      callback(failure === null || failure === undefined ? failure : map(failure)),
    );
  };
  return stream;
}

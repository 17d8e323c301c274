import type { Blob } from "node:buffer";
import type { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import type { Operation, Ttl } from "@kv/protocol";

/**
 * What `put` accepts: bytes (a `Uint8Array`, so also a `Buffer`, or an `ArrayBuffer`), a string
 * (stored as UTF-8), a web `Blob` or `File` (streamed), a Node `Readable`, a web `ReadableStream`,
 * or an iterable or async iterable of chunks (bytes or strings). Streams and iterables are
 * consumed once, in bounded memory.
 */
export type BlobData =
  | Uint8Array
  | ArrayBuffer
  | Blob
  | string
  | Readable
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

/** The operations blob errors report (the protocol's names: `open`, `getFile`, `has` are `get`). */
export type BlobOperation = Extract<
  Operation,
  "get" | "put" | "delete" | "keys" | "close" | "setup"
>;

/** Options of `put`. */
export interface BlobPutOptions {
  /**
   * Seconds (or a duration such as `"5m"`) until the blob expires. Only stores that support TTL
   * (`supportsBlobTtl`) accept it; others throw `InvalidTtlError`. @default no expiry
   */
  ttl?: Ttl | undefined;
}

/** Options of `putFile`. */
export interface PutFileOptions extends BlobPutOptions {
  /**
   * The file may be moved into the store instead of copied (a rename where the store and the file
   * share a file system); it is gone afterwards either way. @default false: the file is left as it was
   */
  move?: boolean | undefined;
}

/** Options of `keys` and `iterateKeys`. */
export interface BlobKeysOptions {
  /** Only keys starting with this text. @default every key */
  prefix?: string | undefined;
}

/** Options of `keys`. */
export interface BlobKeyListOptions extends BlobKeysOptions {
  /** The most keys to return. @default 10 000 */
  limit?: number | undefined;
}

/** Options of `iteratePrefixes`. */
export interface BlobPrefixesOptions extends BlobKeysOptions {
  /** Where a key is cut after the prefix, such as `"/"`. */
  delimiter: string;
}

/**
 * Bytes under string keys, with streams both ways (simplekv's and the object-storage package's
 * model). Keys match the store's pattern (`VALID_KEY_REGEXP` by default); every method refuses a
 * bad key with `InvalidBlobKeyError` before touching the backend. A `put` is atomic: a reader sees
 * the old blob or the whole new one, never a part, and a failed `put` changes nothing.
 */
export interface BlobStore {
  /**
   * Reads the whole blob into memory.
   * @throws InvalidBlobKeyError, MissingKeyError when nothing is stored under `key`, StoreError
   */
  get(key: string): Promise<Uint8Array>;
  /**
   * Reads the whole blob into memory, or `undefined` when nothing is stored under `key`.
   * @throws InvalidBlobKeyError, StoreError
   */
  tryGet(key: string): Promise<Uint8Array | undefined>;
  /**
   * Stores `data` under `key`, replacing what was there, in bounded memory for streams.
   * @throws InvalidBlobKeyError, InvalidTtlError, SerializationError (data of another kind or a
   * chunk that is not bytes or a string: nothing is written), BlobSourceError (the data's stream
   * failed: nothing is written), StoreError
   */
  put(key: string, data: BlobData, options?: BlobPutOptions): Promise<void>;
  /**
   * Opens the blob as a byte stream, read in bounded memory whatever its size. The promise settles
   * once the blob is found; errors while reading arrive on the stream as `StoreError`s.
   * @throws InvalidBlobKeyError, MissingKeyError, StoreError
   */
  open(key: string): Promise<Readable>;
  /**
   * Stores the contents of the file at `path` (moved instead of copied with `move: true`).
   * @throws InvalidBlobKeyError, InvalidTtlError, BlobSourceError (the file cannot be read), StoreError
   */
  putFile(key: string, path: string, options?: PutFileOptions): Promise<void>;
  /**
   * Writes the blob to the file at `path`, replacing it. Nothing is created when the key is
   * missing, and a failed copy removes what it wrote.
   * @throws InvalidBlobKeyError, MissingKeyError, StoreError (also when `path` cannot be written)
   */
  getFile(key: string, path: string): Promise<void>;
  /**
   * True when a blob is stored under `key`.
   * @throws InvalidBlobKeyError, StoreError
   */
  has(key: string): Promise<boolean>;
  /**
   * Removes the blob; `true` when there was one.
   * @throws InvalidBlobKeyError, StoreError
   */
  delete(key: string): Promise<boolean>;
  /**
   * Lists up to `limit` keys (starting with `prefix`), in no particular order.
   * @throws StoreError, RangeError for a `limit` that is not a positive integer
   */
  keys(options?: BlobKeyListOptions): Promise<string[]>;
  /**
   * Yields every key (starting with `prefix`) in bounded memory, in no particular order.
   * @throws StoreError
   */
  iterateKeys(options?: BlobKeysOptions): AsyncIterable<string>;
  /**
   * Yields, once each, the keys starting with `prefix` cut after the first `delimiter` that
   * follows the prefix (`"a/"` for `a/b` and `a/c` with delimiter `/`), and whole the keys with no
   * delimiter after the prefix. simplekv's `iter_prefixes`; S3's `CommonPrefixes` plus `Contents`.
   * @throws StoreError, TypeError for an empty delimiter
   */
  iteratePrefixes(options: BlobPrefixesOptions): AsyncIterable<string>;
  /**
   * Releases what the store owns; every later call throws `StoreClosedError`. Twice is harmless.
   * @throws StoreError
   */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A blob store that can give a URL from which a blob can be fetched (simplekv's `url_for`). */
export interface BlobUrls {
  /**
   * A URL to fetch the blob from. Checks only the key, not whether a blob is stored under it.
   * @throws InvalidBlobKeyError, StoreError
   */
  urlFor(key: string): Promise<string>;
}

/** A blob store whose `put` and `putFile` accept `ttl` (simplekv's `TimeToLiveMixin`). */
export interface BlobTtl {
  /** Marks the capability (simplekv's `ttl_support`). */
  readonly ttlSupport: true;
}

/** True when the store offers `urlFor`. */
export function supportsUrlFor<S extends BlobStore>(store: S): store is S & BlobUrls {
  return typeof (store as Partial<BlobUrls>).urlFor === "function";
}

/** True when the store accepts `ttl` in `put` and `putFile`; an expired blob reads as missing. */
export function supportsBlobTtl<S extends BlobStore>(store: S): store is S & BlobTtl {
  return (store as Partial<BlobTtl>).ttlSupport === true;
}

/** True when `value` has the methods of a `BlobStore` (whatever its class or package copy). */
export function isBlobStore(value: unknown): value is BlobStore {
  if (typeof value !== "object" || value === null) return false;
  const methods = value as Record<string, unknown>;
  return [
    "get",
    "tryGet",
    "put",
    "open",
    "putFile",
    "getFile",
    "has",
    "delete",
    "iterateKeys",
  ].every((name) => typeof methods[name] === "function");
}

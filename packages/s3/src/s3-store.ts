import type { S3Client } from "@aws-sdk/client-s3";
import {
  type BaseStoreOptions,
  type ErrorContext,
  InvalidKeyError,
  type KeyValueError,
  type ManagedEntry,
  mapBounded,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { openTarget, type S3StoreConnection, type S3Target } from "./client.ts";
import { ConditionalWrites, ObjectEntry, type ObjectPlace } from "./conditional.ts";
import { toS3StoreError } from "./errors.ts";
import { collectionSegment, decodeName, isHashed, keyPart } from "./layout.ts";
import { deleteObjects, deletePrefix, holdsObjects, listKeys, listObjects } from "./listing.ts";
import { type Bucket, headEntry, readEntry, readObject, writeEntry } from "./objects.ts";
import { ensureBucket } from "./s3-blob-store.ts";

/** Options of `S3Store`: the bucket and prefix, how to reach S3, and the store's own settings. */
export type S3StoreOptions = BaseStoreOptions &
  S3StoreConnection & {
    /** The most requests one bulk call keeps in flight. @default 16 */
    maxConcurrency?: number | undefined;
    /**
     * Checks once, before the first conditional write, that the server honours `If-None-Match`
     * and `If-Match` (four small requests on an object of its own), so a server that ignores
     * them fails with `StoreConfigurationError` instead of overwriting. `false` trusts the
     * server (AWS S3 honours them). @default true
     */
    verifyConditionalWrites?: boolean | undefined;
  };

const Base: StoreClass<
  "keys" | "collections" | "destroyCollection" | "close" | "entries" | "putIfAbsent" | "versions"
> = storeWith(
  "keys",
  "collections",
  "destroyCollection",
  "close",
  "entries",
  "putIfAbsent",
  "versions",
);

/**
 * A `KeyValue` on S3 (or any S3-compatible server), one object per entry, laid out as
 * py-key-value's `S3Store` does: the object `<collection>/<key>` holds the entry's JSON
 * document, with `created-at` and `expires-at` in its metadata. Expiry is checked on read.
 * Keys and collections are listed with `ListObjectsV2`; `putIfAbsent` and versioned writes use
 * S3's conditional requests (`If-None-Match: *`, `If-Match: <ETag>`).
 */
export class S3Store extends Base {
  /** The bucket holding the entries. */
  readonly bucket: string;
  /** The text before every object key the store writes. */
  readonly prefix: string;
  readonly #target: S3Target;
  readonly #objects: Bucket;
  readonly #conditional: ConditionalWrites;
  readonly #concurrency: number;

  /**
   * @throws TypeError without a bucket; RangeError for a bad `maxConcurrency`, prefix or timeout;
   * InvalidKeyError for a bad default collection
   */
  constructor(options: S3StoreOptions) {
    super(options);
    const concurrency = options.maxConcurrency ?? 16;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`maxConcurrency must be a positive integer, got ${String(concurrency)}`);
    }
    this.#concurrency = concurrency;
    this.#target = openTarget(options, "S3Store");
    this.bucket = this.#target.bucket;
    this.prefix = this.#target.prefix;
    this.#objects = { client: this.#target.client, bucket: this.bucket };
    this.#conditional = new ConditionalWrites(
      this.#objects,
      this.clock,
      `${this.prefix}.kv-conditional-probe-`,
      options.verifyConditionalWrites ?? true,
    );
  }

  /** The S3 client the store uses. */
  get client(): S3Client {
    return this.#target.client;
  }

  protected override async setup(): Promise<void> {
    if (this.#target.createBucket) await ensureBucket(this.client, this.bucket);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return readEntry(this.#objects, this.#place(collection, key).objectKey);
  }

  protected override getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return mapBounded(keys, this.#concurrency, (key) => this.getEntry(collection, key));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const place = this.#place(collection, key);
    await writeEntry(this.#objects, place.objectKey, entry, place);
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    await mapBounded(entries, this.#concurrency, ([key, entry]) =>
      this.putEntry(collection, key, entry),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  /** `HeadObject` for each key (in parallel), then one `DeleteObjects` per 1 000 found. */
  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const now = this.clock.now();
    const objectKeys = keys.map((key) => this.#place(collection, key).objectKey);
    const states = await mapBounded(objectKeys, this.#concurrency, (objectKey) =>
      headEntry(this.#objects, objectKey, now),
    );
    const found = objectKeys.filter((_, index) => states[index] !== "missing");
    for (let start = 0; start < found.length; start += 1000) {
      await deleteObjects(this.client, this.bucket, found.slice(start, start + 1000));
    }
    return states.filter((state) => state === "live").length;
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const start = `${this.prefix}${collectionSegment(collection)}/`;
    for await (const objectKey of listKeys(this.client, this.bucket, start)) {
      const stored = objectKey.slice(start.length);
      yield isHashed(stored) ? await this.#nameIn(objectKey, "key", stored) : decodeName(stored);
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    for await (const { name, isPrefix } of listObjects(
      this.client,
      this.bucket,
      this.prefix,
      "/",
    )) {
      if (!isPrefix) continue;
      const stored = name.slice(this.prefix.length, -1);
      if (isHashed(stored)) {
        const first = await firstOf(listKeys(this.client, this.bucket, name));
        if (first !== undefined) yield await this.#nameIn(first, "collection", stored);
      } else if (await holdsObjects(this.client, this.bucket, name)) {
        yield decodeName(stored);
      }
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const start = `${this.prefix}${collectionSegment(collection)}/`;
    return (await deletePrefix(this.client, this.bucket, start)) > 0;
  }

  protected atomicEntry(collection: string, key: string): ObjectEntry {
    return new ObjectEntry(this.#conditional, this.#place(collection, key));
  }

  protected async release(): Promise<void> {
    if (this.#target.owned) this.client.destroy();
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toS3StoreError(error, context, InvalidKeyError);
  }

  #place(collection: string, key: string): ObjectPlace {
    const start = `${this.prefix}${collectionSegment(collection)}/`;
    return { objectKey: start + keyPart(key, start), collection, key };
  }

  /** The real name behind a hashed one: the `key` or `collection` field of the object's document. */
  async #nameIn(objectKey: string, field: "key" | "collection", stored: string): Promise<string> {
    const found = await readObject(this.#objects, objectKey);
    const name = found === undefined ? undefined : documentField(found.text, field);
    return name ?? decodeName(stored);
  }
}

function documentField(text: string, field: string): string | undefined {
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[field];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

async function firstOf<T>(source: AsyncIterable<T>): Promise<T | undefined> {
  for await (const item of source) return item;
  return undefined;
}

import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { hasSdkErrorName, httpStatusOf } from "@kv/aws-core";
import {
  BaseBlobStore,
  type BlobUrls,
  type BlobWriteOptions,
  collectBytes,
  EXTENDED_KEY_REGEXP,
  InvalidBlobKeyError,
  MissingKeyError,
  toReadable,
} from "@kv/blob";
import type { ErrorContext, KeyValueError } from "@kv/protocol";
import {
  MAX_OBJECT_KEY_BYTES,
  openTarget,
  type S3StoreConnection,
  type S3Target,
} from "./client.ts";
import { isMissingObject, toS3StoreError } from "./errors.ts";
import { holdsObjects, listKeys, listObjects } from "./listing.ts";

/** Options of `S3BlobStore`: where the blobs go, how to reach S3, and how to upload. */
export type S3BlobStoreOptions = S3StoreConnection & {
  /** The keys it accepts; `/` separates levels. @default EXTENDED_KEY_REGEXP (`/` and space allowed) */
  keyPattern?: RegExp | undefined;
  /** Bytes per part of a multipart upload (at least 5 MiB); smaller data goes in one `PutObject`. @default 5 MiB */
  partSizeBytes?: number | undefined;
  /** Parts uploaded at once; an upload holds at most `partSizeBytes * queueSize` bytes in memory. @default 4 */
  queueSize?: number | undefined;
  /** How long a `urlFor` URL stays valid, in seconds (at most 7 days). @default 3600 */
  urlExpiresInSeconds?: number | undefined;
};

/** Which bytes of a blob `openRange` and `getRange` read: offsets from 0, `end` included. */
export interface ByteRange {
  /** The first byte to read. @default 0 */
  start?: number | undefined;
  /** The last byte to read (included, as in `fs.createReadStream`). @default the blob's last byte */
  end?: number | undefined;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_URL_SECONDS = 7 * 24 * 3600;

/**
 * Blobs as objects in an S3 bucket (any S3-compatible server), one object per key under an
 * optional prefix. Streams are uploaded with multipart uploads in bounded memory (a part at a time
 * per queue slot) and become visible only when complete; reads stream the object, or a byte range
 * of it (`openRange`, `getRange`); `urlFor` gives presigned `GET` URLs; listings page through
 * `ListObjectsV2`, and `iteratePrefixes` uses S3's `CommonPrefixes` (each checked with a one-key listing, as some
 * servers keep listing a prefix after its last object is deleted). No TTL: S3's lifecycle
 * rules expire objects by whole days, so `put` with a `ttl` throws `InvalidTtlError`.
 */
export class S3BlobStore extends BaseBlobStore implements BlobUrls {
  /** The bucket holding the blobs. */
  readonly bucket: string;
  /** The text before every key in the bucket. */
  readonly prefix: string;
  readonly #target: S3Target;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #urlSeconds: number;

  /**
   * @throws TypeError without a bucket; RangeError for a part size under 5 MiB, a queue size or URL
   * lifetime that is not a positive integer, a prefix over 512 bytes, or a bad timeout
   */
  constructor(options: S3BlobStoreOptions) {
    super({ keyPattern: options.keyPattern ?? EXTENDED_KEY_REGEXP });
    this.#partSize = atLeast(
      options.partSizeBytes ?? MIN_PART_BYTES,
      MIN_PART_BYTES,
      "partSizeBytes",
    );
    this.#queueSize = atLeast(options.queueSize ?? 4, 1, "queueSize");
    this.#urlSeconds = atLeast(options.urlExpiresInSeconds ?? 3600, 1, "urlExpiresInSeconds");
    if (this.#urlSeconds > MAX_URL_SECONDS) {
      throw new RangeError(`urlExpiresInSeconds must be at most ${MAX_URL_SECONDS} (7 days)`);
    }
    this.#target = openTarget(options, "S3BlobStore");
    this.bucket = this.#target.bucket;
    this.prefix = this.#target.prefix;
  }

  /** The S3 client the store uses. */
  get client(): S3Client {
    return this.#target.client;
  }

  /**
   * A presigned `GET` URL for the blob, valid for `urlExpiresInSeconds`. It is signed locally:
   * nothing is sent, and the blob need not exist yet.
   * @throws InvalidBlobKeyError, StoreError
   */
  urlFor(key: string): Promise<string> {
    return this.withKey("get", key, () =>
      getSignedUrl(presignable(this.client), new GetObjectCommand(this.#object(key)), {
        expiresIn: this.#urlSeconds,
      }),
    );
  }

  /**
   * Streams the bytes `start` to `end` (both included) of the blob with one ranged `GetObject`.
   * A range starting past the end of the blob gives an empty stream; `end` past it is cut to it.
   * @throws InvalidBlobKeyError, MissingKeyError, RangeError for offsets that are not integers
   * ≥ 0 or an `end` before `start`, StoreError
   */
  async openRange(key: string, range: ByteRange): Promise<Readable> {
    const header = rangeHeader(range);
    const chunks = await this.withKey("get", key, () => this.#read(key, header));
    if (chunks === undefined) throw new MissingKeyError({ operation: "get", key });
    return toReadable(chunks);
  }

  /**
   * Reads the bytes `start` to `end` (both included) of the blob into memory (see `openRange`).
   * @throws InvalidBlobKeyError, MissingKeyError, RangeError, StoreError
   */
  async getRange(key: string, range: ByteRange): Promise<Uint8Array> {
    const header = rangeHeader(range);
    return this.withKey("get", key, async () => {
      const chunks = await this.#read(key, header);
      if (chunks === undefined) throw new MissingKeyError({ operation: "get", key });
      return collectBytes(chunks);
    });
  }

  protected override keyProblem(key: string): string | undefined {
    const objectKey = this.prefix + key;
    for (const segment of objectKey.split("/")) {
      if (segment === "") return "A blob key must not start or end with / or contain //";
      if (segment === "." || segment === "..") return "A blob key must not have . or .. segments";
    }
    if (Buffer.byteLength(objectKey) > MAX_OBJECT_KEY_BYTES) {
      return `A blob key and the store's prefix must fit S3's ${MAX_OBJECT_KEY_BYTES} bytes`;
    }
    return undefined;
  }

  protected override async setup(): Promise<void> {
    if (this.#target.createBucket) await ensureBucket(this.client, this.bucket);
  }

  protected override openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    return this.#read(key, undefined);
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    _options: BlobWriteOptions,
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { ...this.#object(key), Body: toReadable(chunks) },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    _options: BlobWriteOptions,
  ): Promise<void> {
    await this.client.send(new PutObjectCommand({ ...this.#object(key), Body: bytes }));
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    if (!(await this.hasBlob(key))) return false;
    await this.client.send(new DeleteObjectCommand(this.#object(key)));
    return true;
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand(this.#object(key)));
      return true;
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw error;
    }
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    const cut = this.prefix.length;
    for await (const key of listKeys(this.client, this.bucket, this.prefix + prefix)) {
      yield key.slice(cut);
    }
  }

  protected override async *listPrefixes(prefix: string, delimiter: string): AsyncIterable<string> {
    const cut = this.prefix.length;
    const listed = listObjects(this.client, this.bucket, this.prefix + prefix, delimiter);
    for await (const { name, isPrefix } of listed) {
      if (!isPrefix || (await holdsObjects(this.client, this.bucket, name))) yield name.slice(cut);
    }
  }

  protected override async release(): Promise<void> {
    if (this.#target.owned) this.client.destroy();
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toS3StoreError(error, context, InvalidBlobKeyError);
  }

  #object(key: string): { Bucket: string; Key: string } {
    return { Bucket: this.bucket, Key: this.prefix + key };
  }

  /** The object's body (a byte range of it with `range`), or `undefined` when it is missing. */
  async #read(
    key: string,
    range: string | undefined,
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({
          ...this.#object(key),
          ...(range === undefined ? {} : { Range: range }),
        }),
      );
      return (Body as AsyncIterable<Uint8Array> | undefined) ?? emptyChunks();
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      if (
        range !== undefined &&
        (hasSdkErrorName(error, "InvalidRange") || httpStatusOf(error) === 416)
      ) {
        return (await this.hasBlob(key)) ? emptyChunks() : undefined;
      }
      throw error;
    }
  }
}

/**
 * Creates the bucket unless `HeadBucket` finds it (so a caller allowed to use but not to create
 * buckets can still set up against an existing one).
 * @throws the SDK's error
 */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (!hasSdkErrorName(error, "NotFound", "NoSuchBucket") && httpStatusOf(error) !== 404)
      throw error;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!hasSdkErrorName(error, "BucketAlreadyOwnedByYou")) throw error;
  }
}

/** The `Range` header of a byte range. @throws RangeError for bad offsets */
function rangeHeader(range: ByteRange): string {
  const start = range?.start ?? 0;
  const end = range?.end;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new RangeError(`A range's start must be an integer ≥ 0, got ${String(start)}`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`A range's end must be an integer ≥ its start, got ${String(end)}`);
  }
  return `bytes=${start}-${end ?? ""}`;
}

function atLeast(value: number, minimum: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer of at least ${minimum}, got ${String(value)}`);
  }
  return value;
}

/**
 * The client as the presigner's type: the two packages may resolve different patch versions of
 * `@smithy/core`, whose private fields make the same client class look like two types.
 */
function presignable(client: S3Client): Parameters<typeof getSignedUrl>[0] {
  return client as unknown as Parameters<typeof getSignedUrl>[0];
}

async function* emptyChunks(): AsyncGenerator<Uint8Array> {}

import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { sdkClientDefaults } from "@kv/aws-core";

/** Where the objects live, whichever way the store gets its client. */
export interface S3LocationOptions {
  /** The bucket holding the objects. */
  bucket: string;
  /** Text put before every object key the store writes, such as `"app/"`. @default "" (the bucket's root) */
  prefix?: string | undefined;
  /** Creates the bucket during setup when `HeadBucket` says it is missing. @default false */
  createBucket?: boolean | undefined;
}

/** Use an existing client; the store borrows it and never destroys it. */
export interface S3ClientOptions {
  /** The client to use. `close()` leaves it open. */
  client: S3Client;
}

/** Let the store create (and on `close()` destroy) its own client. */
export interface S3ConnectionOptions {
  /** No client: the store makes one from the options below. */
  client?: undefined;
  /** The endpoint URL of an S3-compatible server (MinIO, SeaweedFS ...). @default AWS's endpoint for the region */
  endpoint?: string | undefined;
  /** The region. @default the SDK's default chain (AWS_REGION ...), or `us-east-1` with an `endpoint` */
  region?: string | undefined;
  /** The credentials. @default the SDK's default provider chain */
  credentials?: S3ClientConfig["credentials"] | undefined;
  /** Addresses buckets as `endpoint/bucket` instead of `bucket.endpoint`. @default true with an `endpoint`, else false */
  forcePathStyle?: boolean | undefined;
  /** How long opening one connection may take (the request handler's `connectionTimeout`). @default 2000 */
  connectTimeoutMs?: number | undefined;
  /**
   * How long a request may wait for the server between two reads or writes of its socket (the
   * request handler's `requestTimeout`), so a slow stream is not cut off. @default 30000
   */
  requestTimeoutMs?: number | undefined;
  /** Any other client configuration (`maxAttempts`, `requestHandler` ...); wins over the options above. */
  clientConfig?: S3ClientConfig | undefined;
}

/** How a store reaches S3: a borrowed client or the means to make one, plus the bucket. */
export type S3StoreConnection = S3LocationOptions & (S3ClientOptions | S3ConnectionOptions);

/** The longest object key S3 accepts, in UTF-8 bytes. */
export const MAX_OBJECT_KEY_BYTES = 1024;
/** The longest `prefix` a store accepts, in UTF-8 bytes (leaving room for the names after it). */
export const MAX_PREFIX_BYTES = 512;

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The bucket, prefix and client a store uses, and whether it owns the client. */
export interface S3Target {
  readonly client: S3Client;
  readonly owned: boolean;
  readonly bucket: string;
  readonly prefix: string;
  readonly createBucket: boolean;
}

/**
 * Checks the options and makes the client when none is given.
 * @throws TypeError for a missing bucket or a prefix that is not a string; RangeError for a
 * prefix over 512 bytes or a timeout that is not a positive number
 */
export function openTarget(options: S3StoreConnection, store: string): S3Target {
  if (typeof options.bucket !== "string" || options.bucket === "") {
    throw new TypeError(`${store} needs a bucket name`);
  }
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string") throw new TypeError(`${store}'s prefix must be a string`);
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES) {
    throw new RangeError(`${store}'s prefix must be at most ${MAX_PREFIX_BYTES} bytes`);
  }
  const location = { bucket: options.bucket, prefix, createBucket: options.createBucket === true };
  if (options.client !== undefined) return { ...location, client: options.client, owned: false };
  return { ...location, client: makeClient(options), owned: true };
}

function makeClient(options: S3ConnectionOptions): S3Client {
  const { endpoint, region, credentials, clientConfig } = options;
  return new S3Client({
    ...sdkClientDefaults(options, DEFAULT_REQUEST_TIMEOUT_MS),
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    ...(region === undefined
      ? endpoint === undefined
        ? {}
        : { region: "us-east-1" }
      : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    ...clientConfig,
  });
}

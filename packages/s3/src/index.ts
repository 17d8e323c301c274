export type {
  S3ClientOptions,
  S3ConnectionOptions,
  S3LocationOptions,
  S3StoreConnection,
} from "./client.ts";
export { type ByteRange, S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.ts";
export { S3Store, type S3StoreOptions } from "./s3-store.ts";

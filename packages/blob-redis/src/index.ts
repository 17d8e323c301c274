export { BlobTooLargeError } from "./errors.ts";
export type {
  RedisBlobStoreClientOptions,
  RedisBlobStoreOptions,
  RedisBlobStoreUrlOptions,
} from "./options.ts";
export { RedisBlobStore } from "./redis-blob-store.ts";

export {
  BaseBlobStore,
  type BaseBlobStoreOptions,
  type BlobWriteOptions,
  type FileWriteOptions,
} from "./base-blob-store.ts";
export {
  type BlobData,
  type BlobKeyListOptions,
  type BlobKeysOptions,
  type BlobOperation,
  type BlobPrefixesOptions,
  type BlobPutOptions,
  type BlobStore,
  type BlobTtl,
  type BlobUrls,
  isBlobStore,
  type PutFileOptions,
  supportsBlobTtl,
  supportsUrlFor,
} from "./blob-store.ts";
export {
  type BlobSource,
  collectBytes,
  rechunk,
  singleChunk,
  toBlobSource,
  toReadable,
} from "./chunks.ts";
export { BlobSourceError, InvalidBlobKeyError, MissingKeyError } from "./errors.ts";
export {
  EXTENDED_KEY_REGEXP,
  GUARANTEED_KEY_LENGTH,
  VALID_KEY_REGEXP,
  validateBlobKey,
} from "./keys.ts";
export { MemoryBlobStore, type MemoryBlobStoreOptions } from "./memory-blob-store.ts";
export { prefixesOf } from "./prefixes.ts";

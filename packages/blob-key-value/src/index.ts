export { BlobKeyValueStore, type BlobKeyValueStoreOptions } from "./blob-key-value-store.ts";
export { BlobTooLargeError } from "./errors.ts";
export { KeyValueBlobStore, type KeyValueBlobStoreOptions } from "./key-value-blob-store.ts";
export { decodeName, encodeName } from "./names.ts";

export { FileSystemBlobStore, type FileSystemBlobStoreOptions } from "./file-system-blob-store.ts";
export { HashDirBlobStore, type HashDirBlobStoreOptions } from "./hash-dir-blob-store.ts";

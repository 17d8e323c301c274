export { ArchiveLockedError } from "./errors.ts";
export { ZipBlobStore, type ZipBlobStoreOptions } from "./zip-blob-store.ts";

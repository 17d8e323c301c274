export { isQuotaExceeded, StorageQuotaError } from "./errors.ts";
export { WebStorageStore, type WebStorageStoreOptions } from "./web-storage-store.ts";

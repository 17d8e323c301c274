export { DiskStore, type DiskStoreOptions } from "./disk-store.ts";

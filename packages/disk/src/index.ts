export { DiskStore } from "./disk-store.ts";
export type { DiskStoreOptions } from "./options.ts";

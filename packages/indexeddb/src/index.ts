export { IndexedDbStore, type IndexedDbStoreOptions } from "./indexeddb-store.ts";

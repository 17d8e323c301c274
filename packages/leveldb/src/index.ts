export { LevelDbStore } from "./leveldb-store.ts";
export type {
  LevelDbStoreClientOptions,
  LevelDbStoreLocationOptions,
  LevelDbStoreOptions,
} from "./options.ts";

export {
  LevelDbStore,
  type LevelDbStoreClientOptions,
  type LevelDbStoreLocationOptions,
  type LevelDbStoreOptions,
} from "./leveldb-store.ts";

export {
  SqliteStore,
  type SqliteStoreClientOptions,
  type SqliteStoreOptions,
  type SqliteStorePathOptions,
  type SqliteSynchronous,
} from "./sqlite-store.ts";

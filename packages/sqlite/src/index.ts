export type {
  SqliteStoreClientOptions,
  SqliteStoreOptions,
  SqliteStorePathOptions,
  SqliteSynchronous,
} from "./connection.ts";
export { SqliteStore } from "./sqlite-store.ts";

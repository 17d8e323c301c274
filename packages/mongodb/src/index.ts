export type {
  MongoDbStoreClientOptions,
  MongoDbStoreCommonOptions,
  MongoDbStoreDbOptions,
  MongoDbStoreOptions,
  MongoDbStoreUrlOptions,
} from "./client.ts";
export { DocumentTooLargeError, type DocumentTooLargeErrorOptions } from "./errors.ts";
export { MongoDbStore } from "./mongodb-store.ts";

export type {
  DynamoDbStoreClientOptions,
  DynamoDbStoreCommonOptions,
  DynamoDbStoreConnectionOptions,
  DynamoDbStoreOptions,
} from "./client.ts";
export { type DynamoDbDestroyOptions, DynamoDbStore } from "./dynamodb-store.ts";
export { ItemTooLargeError, UnprocessedItemsError } from "./errors.ts";

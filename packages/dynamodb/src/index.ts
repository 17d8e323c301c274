export { DynamoDbStore, type DynamoDbStoreOptions } from "./dynamodb-store.ts";
export { ItemTooLargeError, UnprocessedItemsError } from "./errors.ts";

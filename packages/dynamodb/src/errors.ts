import { defineError, type ErrorClass, type KeyValueError, StoreError } from "@kv/protocol";

/** An entry would exceed DynamoDB's 400 KB item limit. It is refused before any request is sent. */
export interface ItemTooLargeError extends KeyValueError {
  readonly name: "ItemTooLargeError";
  /** The size the item would have, in DynamoDB's bytes. */
  readonly size: number;
  /** DynamoDB's item size limit in bytes. */
  readonly limit: number;
}
/** An entry would exceed DynamoDB's 400 KB item limit. It is refused before any request is sent. */
export const ItemTooLargeError: ErrorClass<ItemTooLargeError, { size: number; limit: number }> =
  defineError({
    name: "ItemTooLargeError",
    code: "ITEM_TOO_LARGE",
    fields: ["size", "limit"],
    message: (o) => `Item of ${o.size} bytes exceeds DynamoDB's limit of ${o.limit} bytes`,
  });

/**
 * DynamoDB kept returning some keys of a batch as unprocessed until the retry deadline passed.
 * Keys not listed were read, written or deleted.
 */
export interface UnprocessedItemsError extends StoreError {
  readonly name: "UnprocessedItemsError";
  /** The keys that were not read, written or deleted. */
  readonly unprocessedKeys: readonly string[];
}
/**
 * DynamoDB kept returning some keys of a batch as unprocessed until the retry deadline passed.
 * Keys not listed were read, written or deleted.
 */
export const UnprocessedItemsError: ErrorClass<
  UnprocessedItemsError,
  { unprocessedKeys: readonly string[] }
> = defineError({
  name: "UnprocessedItemsError",
  code: "UNPROCESSED_ITEMS",
  parent: StoreError,
  fields: ["unprocessedKeys"],
  message: ({ unprocessedKeys }) => {
    const shown = unprocessedKeys.slice(0, 5).map((key) => JSON.stringify(key));
    const more = unprocessedKeys.length > shown.length ? ", ..." : "";
    return `DynamoDB left ${unprocessedKeys.length} item(s) unprocessed after retrying: ${shown.join(", ")}${more}`;
  },
});

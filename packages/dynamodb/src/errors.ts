import {
  brandError,
  hasErrorBrand,
  KeyValueError,
  type KeyValueErrorOptions,
  StoreError,
} from "@kv/protocol";

/** What `ItemTooLargeError` says besides the usual context. */
export interface ItemTooLargeErrorOptions extends KeyValueErrorOptions {
  /** The size the item would have, in DynamoDB's bytes. */
  size: number;
  /** DynamoDB's item size limit in bytes. */
  limit: number;
}

/** An entry would exceed DynamoDB's 400 KB item limit. It is refused before any request is sent. */
export class ItemTooLargeError extends KeyValueError {
  override readonly name = "ItemTooLargeError";
  override readonly code = "ITEM_TOO_LARGE";
  /** The size the item would have, in DynamoDB's bytes. */
  readonly size: number;
  /** DynamoDB's item size limit in bytes. */
  readonly limit: number;

  constructor(options: ItemTooLargeErrorOptions) {
    super(
      {
        ...options,
        message:
          options.message ??
          `Item of ${options.size} bytes exceeds DynamoDB's limit of ${options.limit} bytes`,
      },
      "Item too large",
    );
    this.size = options.size;
    this.limit = options.limit;
    brandError(this, this.name);
  }

  /** True for an `ItemTooLargeError` from any copy of the package. */
  static override isInstance(error: unknown): error is ItemTooLargeError {
    return hasErrorBrand(error, "ItemTooLargeError");
  }
}

/** What `UnprocessedItemsError` says besides the usual context. */
export interface UnprocessedItemsErrorOptions extends KeyValueErrorOptions {
  /** The keys DynamoDB still had not processed when the store stopped retrying. */
  unprocessedKeys: readonly string[];
}

/**
 * DynamoDB kept returning some keys of a batch as unprocessed until the retry deadline passed.
 * Keys not listed were read, written or deleted.
 */
export class UnprocessedItemsError extends StoreError {
  override readonly name = "UnprocessedItemsError";
  override readonly code = "UNPROCESSED_ITEMS";
  /** The keys that were not read, written or deleted. */
  readonly unprocessedKeys: readonly string[];

  constructor(options: UnprocessedItemsErrorOptions) {
    const { unprocessedKeys } = options;
    const shown = unprocessedKeys.slice(0, 5).map((key) => JSON.stringify(key));
    const more = unprocessedKeys.length > shown.length ? ", ..." : "";
    super({
      ...options,
      key: options.key ?? unprocessedKeys[0],
      message:
        options.message ??
        `DynamoDB left ${unprocessedKeys.length} item(s) unprocessed after retrying: ${shown.join(", ")}${more}`,
    });
    this.unprocessedKeys = unprocessedKeys;
    brandError(this, this.name);
  }

  /** True for an `UnprocessedItemsError` from any copy of the package. */
  static override isInstance(error: unknown): error is UnprocessedItemsError {
    return hasErrorBrand(error, "UnprocessedItemsError");
  }
}

import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
  type CollectionOptions,
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  type Operation,
  type StoreClass,
  StoreClosedError,
  StoreConnectionError,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { deletions, readItems, writeItems } from "./batch.ts";
import { type DynamoDbStoreOptions, openClient } from "./client.ts";
import { checkCollection, checkKey, fromItem, isLive, primaryKey, toItem } from "./item.ts";
import { entryKeyPages, keyPages } from "./pages.ts";
import { isTransient, Retrier } from "./retry.ts";
import { dropTable, isName, prepareTable, type TableAccess } from "./table.ts";

/** Options of `DynamoDbStore.destroy()`. */
export interface DynamoDbDestroyOptions {
  /** Deletes the table itself rather than its entries. @default false */
  dropTable?: boolean | undefined;
}

const DynamoDbBase: StoreClass<"keys" | "destroyCollection" | "destroy" | "close" | "entries"> =
  storeWith("keys", "destroyCollection", "destroy", "close", "entries");

/**
 * A store on one DynamoDB table, laid out as py-key-value lays it out: partition key `collection`,
 * sort key `key`, the entry document as JSON in `value`, and `ttl` in epoch seconds for DynamoDB's
 * native expiry. Bulk calls use `BatchGetItem` (100 keys) and `BatchWriteItem` (25 items), retrying
 * throttling and unprocessed items with backoff until `retryDeadlineMs`.
 */
export class DynamoDbStore extends DynamoDbBase {
  /** The table the store uses. */
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly createTable: boolean;
  private readonly retrier: Retrier;
  private readonly table: TableAccess;

  /**
   * @throws InvalidKeyError when `defaultCollection` is too long for a DynamoDB partition key
   * @throws RangeError for a `connectTimeoutMs` or `requestTimeoutMs` that is not positive
   */
  constructor(options: DynamoDbStoreOptions) {
    super(options);
    checkCollection(this.defaultCollection);
    this.tableName = options.tableName;
    this.createTable = options.createTable ?? true;
    this.retrier = new Retrier({
      initialDelayMs: options.retryInitialDelayMs ?? 50,
      maxDelayMs: options.retryMaxDelayMs ?? 2000,
      deadlineMs: options.retryDeadlineMs ?? 20_000,
    });
    const { client, owned } = openClient(options);
    this.client = client;
    this.ownsClient = owned;
    this.table = {
      client,
      tableName: this.tableName,
      retrier: this.retrier,
      readyTimeoutMs: options.tableReadyTimeoutMs ?? 300_000,
      consistentRead: options.consistentRead ?? true,
      maxConcurrency: Math.max(1, options.maxConcurrency ?? 8),
    };
  }

  /**
   * Removes every entry of every collection in the table (items without a `value` attribute were
   * not written by a store and stay) and keeps the table. With `dropTable`, deletes the table
   * itself and waits until it is gone; the next call creates it again when `createTable` is on.
   * Wrappers offer `destroy()` without options: drop the table through the store itself.
   * @returns `true` when anything was removed.
   * @throws StoreError, UnprocessedItemsError, StoreClosedError
   */
  override async destroy(options?: DynamoDbDestroyOptions): Promise<boolean> {
    if (options?.dropTable !== true) return super.destroy();
    if (this.isClosed) throw new StoreClosedError({ operation: "destroy" });
    try {
      return await dropTable(this.table);
    } catch (error) {
      throw this.mapError(error, { operation: "destroy" });
    } finally {
      this.forgetSetup();
    }
  }

  protected override async setup(): Promise<void> {
    await prepareTable(this.table, this.createTable);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    checkKey(collection, key);
    const { Item: item } = await this.retrier.call(() =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: primaryKey(collection, key),
          ConsistentRead: this.table.consistentRead,
        }),
      ),
    );
    return item === undefined ? undefined : fromItem(item);
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const item = toItem(collection, key, entry);
    await this.retrier.call(() =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    checkKey(collection, key);
    const { Attributes: old } = await this.retrier.call(() =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: primaryKey(collection, key),
          ReturnValues: "ALL_OLD",
        }),
      ),
    );
    return old !== undefined && isLive(old, this.clock.now());
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const context = { operation: "getMany", collection } as const;
    const items = await readItems(this.table, collection, keys, context);
    return keys.map((key) => {
      const item = items.get(key);
      return item === undefined ? undefined : fromItem(item);
    });
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const requests = entries.map(
      ([key, entry]): WriteRequest => ({ PutRequest: { Item: toItem(collection, key, entry) } }),
    );
    await writeItems(this.table, requests, { operation: "putMany", collection });
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const context = { operation: "deleteMany", collection } as const;
    const items = await readItems(this.table, collection, keys, context);
    const now = this.clock.now();
    let live = 0;
    for (const item of items.values()) if (isLive(item, now)) live++;
    await writeItems(this.table, deletions(collection, items.keys()), context);
    return live;
  }

  /** One `Query` page (up to 1 MB) at a time. */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    for await (const keys of keyPages(this.table, collection, true, () => this.clock.now())) {
      yield* keys;
    }
  }

  /** Removes every item of the collection (expired ones too), a page of keys at a time. */
  protected async dropCollection(collection: string): Promise<boolean> {
    const context = { operation: "destroyCollection", collection } as const;
    let found = false;
    for await (const keys of keyPages(this.table, collection, false, () => this.clock.now())) {
      found ||= keys.length > 0;
      await writeItems(this.table, deletions(collection, keys), context);
    }
    return found;
  }

  /** Deletes every entry of the table (every item with a `value`), a `Scan` page at a time. */
  protected async dropAll(): Promise<boolean> {
    let found = false;
    for await (const keys of entryKeyPages(this.table)) {
      const requests = keys.map((key): WriteRequest => ({ DeleteRequest: { Key: key } }));
      found ||= requests.length > 0;
      await writeItems(this.table, requests, { operation: "destroy" });
    }
    return found;
  }

  /** Destroys the client when the store created it; a borrowed client is left open. */
  protected async release(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  protected override resolveCollection(
    options: CollectionOptions | undefined,
    operation: Operation,
  ): string {
    const collection = super.resolveCollection(options, operation);
    checkCollection(collection, operation);
    return collection;
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (KeyValueError.isInstance(error)) return error;
    if (isName(error, "ResourceNotFoundException")) this.forgetSetup();
    if (isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }
}

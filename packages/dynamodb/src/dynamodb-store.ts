import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { hasSdkErrorName } from "@kv/aws-core";
import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CollectionOptions,
  type CounterChange,
  type ErrorContext,
  IncrementBatcher,
  type KeyValueError,
  type ManagedEntry,
  mapStoreError,
  type Operation,
  type StoreClass,
  StoreClosedError,
  storeWith,
} from "@kv/protocol";
import { ItemEntry } from "./atomic.ts";
import { deleteCountingLive, readItem, readItems, writeItems } from "./batch.ts";
import { type DynamoDbStoreOptions, openClient } from "./client.ts";
import { commitIncrements } from "./counter.ts";
import { checkCollection, checkedKey, entryOf, isLive, toItem } from "./item.ts";
import { deleteAllEntries, deleteCollection, keyPages } from "./pages.ts";
import { isTransient, Retrier } from "./retry.ts";
import { dropTable, prepareTable, type TableAccess } from "./table.ts";

/** Options of `DynamoDbStore.destroy()`. */
export interface DynamoDbDestroyOptions {
  /** Deletes the table itself rather than its entries. @default false */
  dropTable?: boolean | undefined;
}

type Basic = "keys" | "destroyCollection" | "destroy" | "close" | "entries";
const DynamoDbBase: StoreClass<Basic | AtomicCapability> = storeWith(
  "keys",
  "destroyCollection",
  "destroy",
  "close",
  "entries",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store on one DynamoDB table, laid out as py-key-value lays it out: partition key `collection`,
 * sort key `key`, the entry document as JSON in `value`, and `ttl` in epoch seconds for DynamoDB's
 * native expiry. Bulk calls use `BatchGetItem` (100 keys) and `BatchWriteItem` (25 items), retrying
 * throttling and unprocessed items with backoff until `retryDeadlineMs`. The atomic operations are
 * conditional writes (`ConditionExpression`); `increment` and `touch` without a TTL rewrite the
 * document by compare-and-set, since DynamoDB cannot edit JSON inside a string attribute.
 */
export class DynamoDbStore extends DynamoDbBase {
  /** The table the store uses. */
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly createTable: boolean;
  private readonly retrier: Retrier;
  private readonly table: TableAccess;
  private readonly counters: IncrementBatcher;

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
    this.counters = new IncrementBatcher(commitIncrements(this.table, this.clock));
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
    return entryOf(await readItem(this.table, collection, key, this.table.consistentRead));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const item = toItem(collection, key, entry);
    await this.retrier.call(() =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const { Attributes: old } = await this.retrier.call(() =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: checkedKey(collection, key),
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
    return keys.map((key) => entryOf(items.get(key)));
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
    return deleteCountingLive(this.table, collection, keys, this.clock.now());
  }

  /** One `Query` page (up to 1 MB) at a time. */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    for await (const keys of keyPages(this.table, collection, true, () => this.clock.now())) {
      yield* keys;
    }
  }

  /** Removes every item of the collection (expired ones too), a page of keys at a time. */
  protected dropCollection(collection: string): Promise<boolean> {
    return deleteCollection(this.table, collection, () => this.clock.now());
  }

  /** Deletes every entry of the table (every item with a `value`), a `Scan` page at a time. */
  protected dropAll(): Promise<boolean> {
    return deleteAllEntries(this.table);
  }

  protected atomicEntry(collection: string, key: string): ItemEntry {
    return new ItemEntry(this.table, this.clock, collection, key);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
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
    if (hasSdkErrorName(error, "ResourceNotFoundException")) this.forgetSetup();
    return mapStoreError(error, context, isTransient);
  }
}

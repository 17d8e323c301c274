import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
  BaseStore,
  type BaseStoreOptions,
  type CollectionOptions,
  type ErrorContext,
  type KeysOptions,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  type Operation,
  StoreConnectionError,
  takeFirst,
  toStoreError,
} from "@kv/protocol";
import { UnprocessedItemsError } from "./errors.ts";
import {
  checkCollection,
  checkKey,
  fromItem,
  type Item,
  isLive,
  keyOf,
  primaryKey,
  toItem,
} from "./item.ts";
import { chunk, isTransient, Retrier, runBounded } from "./retry.ts";
import { dropTable, isName, prepareTable, type TableAccess } from "./table.ts";

/** Options every `DynamoDbStore` accepts, whichever way it gets its client. */
export interface DynamoDbStoreCommonOptions extends BaseStoreOptions {
  /** The table holding every collection: string partition key `collection`, string sort key `key`. */
  tableName: string;
  /** Creates the table when missing (on-demand billing) and enables native expiry on `ttl`. @default true */
  createTable?: boolean | undefined;
  /** Reads with strong consistency, so a read sees every write that finished before it. @default true */
  consistentRead?: boolean | undefined;
  /** The most batch requests one bulk call keeps in flight. @default 8 */
  maxConcurrency?: number | undefined;
  /** The first backoff before retrying a throttled request or unprocessed items. @default 50 */
  retryInitialDelayMs?: number | undefined;
  /** The longest backoff between two retries. @default 2000 */
  retryMaxDelayMs?: number | undefined;
  /** How long one call keeps retrying throttled requests and unprocessed items. @default 20000 */
  retryDeadlineMs?: number | undefined;
  /** How long setup waits for a created table to become ACTIVE (or a dropped one to go). @default 300000 */
  tableReadyTimeoutMs?: number | undefined;
}

/** Use an existing client; the store borrows it and never destroys it. */
export interface DynamoDbStoreClientOptions {
  /** The client to use. `close()` leaves it open. */
  client: DynamoDBClient;
}

/** Let the store create (and on `close()` destroy) its own client. */
export interface DynamoDbStoreConnectionOptions {
  /** No client: the store makes one from the options below. */
  client?: undefined;
  /** The AWS region. @default the SDK's default chain (AWS_REGION ...) */
  region?: string | undefined;
  /** The endpoint URL, for DynamoDB Local, dynalite or a VPC endpoint. @default AWS's endpoint for the region */
  endpoint?: string | undefined;
  /** The credentials. @default the SDK's default provider chain */
  credentials?: DynamoDBClientConfig["credentials"] | undefined;
  /** Any other client configuration (retries, request handler ...). */
  clientConfig?: DynamoDBClientConfig | undefined;
}

/** Options of `DynamoDbStore`: the table plus a borrowed client or the means to make one. */
export type DynamoDbStoreOptions = DynamoDbStoreCommonOptions &
  (DynamoDbStoreClientOptions | DynamoDbStoreConnectionOptions);

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/**
 * A store on one DynamoDB table, laid out as py-key-value lays it out: partition key `collection`,
 * sort key `key`, the entry document as JSON in `value`, and `ttl` in epoch seconds for DynamoDB's
 * native expiry. Bulk calls use `BatchGetItem` (100 keys) and `BatchWriteItem` (25 items), retrying
 * throttling and unprocessed items with backoff until `retryDeadlineMs`.
 */
export class DynamoDbStore extends BaseStore {
  /** The table the store uses. */
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly createTable: boolean;
  private readonly consistentRead: boolean;
  private readonly maxConcurrency: number;
  private readonly retrier: Retrier;
  private readonly table: TableAccess;
  private closed = false;

  /** @throws InvalidKeyError when `defaultCollection` is too long for a DynamoDB partition key */
  constructor(options: DynamoDbStoreOptions) {
    super(options);
    checkCollection(this.defaultCollection);
    this.tableName = options.tableName;
    this.createTable = options.createTable ?? true;
    this.consistentRead = options.consistentRead ?? true;
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 8);
    this.retrier = new Retrier({
      initialDelayMs: options.retryInitialDelayMs ?? 50,
      maxDelayMs: options.retryMaxDelayMs ?? 2000,
      deadlineMs: options.retryDeadlineMs ?? 20_000,
    });
    this.ownsClient = options.client === undefined;
    if (options.client !== undefined) {
      this.client = options.client;
    } else {
      const { region, endpoint, credentials } = options;
      this.client = new DynamoDBClient({
        ...options.clientConfig,
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
      });
    }
    this.table = {
      client: this.client,
      tableName: this.tableName,
      retrier: this.retrier,
      readyTimeoutMs: options.tableReadyTimeoutMs ?? 300_000,
    };
  }

  protected override async setup(): Promise<void> {
    try {
      await prepareTable(this.table, this.createTable);
    } catch (error) {
      throw isTransient(error) ? this.mapError(error, { operation: "setup" }) : error;
    }
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    checkKey(collection, key);
    const { Item: item } = await this.retrier.call(() =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: primaryKey(collection, key),
          ConsistentRead: this.consistentRead,
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
    const items = await this.readItems(collection, keys, { operation: "getMany", collection });
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
    await this.writeItems(requests, { operation: "putMany", collection });
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const context = { operation: "deleteMany", collection } as const;
    const items = await this.readItems(collection, keys, context);
    const now = this.clock.now();
    let live = 0;
    for (const item of items.values()) if (isLive(item, now)) live++;
    await this.writeItems(deletions(collection, items.keys()), context);
    return live;
  }

  /**
   * Lists up to `limit` live keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  async keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  /**
   * Yields every live key of a collection, one `Query` page (up to 1 MB) at a time.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    return this.iterate("keys", collection, () => this.liveKeys(collection));
  }

  /**
   * Removes every item of one collection (expired ones too), a page of keys at a time.
   * @returns `true` when the collection held any item.
   * @throws InvalidKeyError, StoreError, UnprocessedItemsError
   */
  async destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    return this.guard("destroyCollection", name, async () => {
      let found = false;
      for await (const keys of this.keyPages(name, false)) {
        found ||= keys.length > 0;
        await this.writeItems(deletions(name, keys), {
          operation: "destroyCollection",
          collection: name,
        });
      }
      return found;
    });
  }

  /**
   * Removes every entry of every collection in the table (items without a `value` attribute were
   * not written by a store and stay) and keeps the table. With `dropTable`, deletes the table
   * itself and waits until it is gone; the next call creates it again when `createTable` is on.
   * @returns `true` when anything was removed.
   * @throws StoreError, UnprocessedItemsError
   */
  async destroy(options?: { dropTable?: boolean | undefined }): Promise<boolean> {
    if (options?.dropTable === true) {
      try {
        return await dropTable(this.table);
      } catch (error) {
        throw this.mapError(error, { operation: "destroy" });
      } finally {
        this.forgetSetup();
      }
    }
    return this.guard("destroy", undefined, async () => {
      let found = false;
      let start: Item | undefined;
      do {
        const page = await this.retrier.call(() =>
          this.client.send(
            new ScanCommand({
              TableName: this.tableName,
              ProjectionExpression: "#c, #k",
              FilterExpression: "attribute_exists(#v)",
              ExpressionAttributeNames: { "#c": "collection", "#k": "key", "#v": "value" },
              ConsistentRead: this.consistentRead,
              ExclusiveStartKey: start,
            }),
          ),
        );
        const requests = (page.Items ?? []).map(
          (item): WriteRequest => ({ DeleteRequest: { Key: item } }),
        );
        found ||= requests.length > 0;
        await this.writeItems(requests, { operation: "destroy" });
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return found;
    });
  }

  /**
   * Destroys the client when the store created it; a borrowed client is left open. Idempotent.
   * @throws never
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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

  /** Reads the items of distinct keys with `BatchGetItem`, 100 keys a request. */
  private async readItems(
    collection: string,
    keys: readonly string[],
    context: ErrorContext,
  ): Promise<Map<string, Item>> {
    for (const key of keys) checkKey(collection, key);
    const found = new Map<string, Item>();
    const send = async (batch: Item[]): Promise<Item[]> => {
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: this.consistentRead } },
        }),
      );
      for (const item of Responses?.[this.tableName] ?? []) found.set(keyOf(item), item);
      return UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    };
    const requests = keys.map((key) => primaryKey(collection, key));
    await this.sendBatches(requests, BATCH_GET_LIMIT, send, keyOf, context);
    return found;
  }

  /** Puts or deletes items with `BatchWriteItem`, 25 requests at a time. */
  private async writeItems(requests: WriteRequest[], context: ErrorContext): Promise<void> {
    const send = async (batch: WriteRequest[]): Promise<WriteRequest[]> => {
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.tableName]: batch } }),
      );
      return UnprocessedItems?.[this.tableName] ?? [];
    };
    const keyOfRequest = (request: WriteRequest) =>
      keyOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {});
    await this.sendBatches(requests, BATCH_WRITE_LIMIT, send, keyOfRequest, context);
  }

  /**
   * Sends requests in chunks of `size`, at most `maxConcurrency` at once, retrying what the server
   * leaves unprocessed until the deadline.
   * @throws UnprocessedItemsError naming the keys still unprocessed at the deadline
   */
  private async sendBatches<T>(
    requests: readonly T[],
    size: number,
    send: (batch: T[]) => Promise<T[]>,
    keyOfRequest: (request: T) => string,
    context: ErrorContext,
  ): Promise<void> {
    if (requests.length === 0) return;
    const deadline = this.retrier.deadline();
    const left = await runBounded(chunk(requests, size), this.maxConcurrency, (batch) =>
      this.retrier.drain(batch, send, deadline),
    );
    const unprocessedKeys = left.flat().map(keyOfRequest);
    if (unprocessedKeys.length > 0)
      throw new UnprocessedItemsError({ ...context, unprocessedKeys });
  }

  private async *liveKeys(collection: string): AsyncGenerator<string> {
    for await (const keys of this.keyPages(collection, true)) yield* keys;
  }

  /**
   * Pages through a collection's keys with `Query`, following `LastEvaluatedKey`. With `liveOnly`,
   * the server drops items whose `ttl` second is over (so certainly expired).
   */
  private async *keyPages(collection: string, liveOnly: boolean): AsyncGenerator<string[]> {
    let start: Item | undefined;
    do {
      const now = { N: String(Math.floor(this.clock.now() / 1000)) };
      const page = await this.retrier.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "#c = :c",
            ProjectionExpression: "#k",
            ConsistentRead: this.consistentRead,
            ExclusiveStartKey: start,
            ...(liveOnly
              ? {
                  FilterExpression: "attribute_not_exists(#t) OR #t >= :now",
                  ExpressionAttributeNames: { "#c": "collection", "#k": "key", "#t": "ttl" },
                  ExpressionAttributeValues: { ":c": { S: collection }, ":now": now },
                }
              : {
                  ExpressionAttributeNames: { "#c": "collection", "#k": "key" },
                  ExpressionAttributeValues: { ":c": { S: collection } },
                }),
          }),
        ),
      );
      yield (page.Items ?? []).map(keyOf);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
}

function deletions(collection: string, keys: Iterable<string>): WriteRequest[] {
  return Array.from(keys, (key) => ({ DeleteRequest: { Key: primaryKey(collection, key) } }));
}

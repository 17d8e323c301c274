import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type TableDescription,
  UpdateTimeToLiveCommand,
  type WriteRequest,
  waitUntilTableExists,
  waitUntilTableNotExists,
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
  StoreSetupError,
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
import { backoffMs, chunk, isThrottling, isTransient, runBounded, sleep } from "./retry.ts";

/** Options every `DynamoDbStore` accepts, whichever way it gets its client. */
export interface DynamoDbStoreCommonOptions extends BaseStoreOptions {
  /** The table holding every collection: partition key `collection`, sort key `key` (both strings). */
  tableName: string;
  /** Creates the table when missing (on-demand billing) and enables native expiry on `ttl`. @default true */
  createTable?: boolean | undefined;
  /** Reads with strong consistency, so a read sees every write that finished before it. @default true */
  consistentRead?: boolean | undefined;
  /** The most batch requests one bulk call keeps in flight. @default 8 */
  maxConcurrency?: number | undefined;
  /** The first backoff before retrying a throttled request or unprocessed items. @default 50 */
  retryDelayMs?: number | undefined;
  /** The longest backoff between two retries. @default 2000 */
  maxRetryDelayMs?: number | undefined;
  /** How long one call keeps retrying throttled requests and unprocessed items. @default 20000 */
  retryDeadlineMs?: number | undefined;
  /** How long setup waits for a table it created to become ACTIVE. @default 300000 */
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
const names = { "#c": "collection", "#k": "key", "#t": "ttl" };

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
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly retryDeadlineMs: number;
  private readonly tableReadyTimeoutMs: number;
  private closed = false;

  /** @throws InvalidKeyError when `defaultCollection` is too long for a DynamoDB partition key */
  constructor(options: DynamoDbStoreOptions) {
    super(options);
    checkCollection(this.defaultCollection);
    this.tableName = options.tableName;
    this.createTable = options.createTable ?? true;
    this.consistentRead = options.consistentRead ?? true;
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 8);
    this.retryDelayMs = options.retryDelayMs ?? 50;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 2000;
    this.retryDeadlineMs = options.retryDeadlineMs ?? 20_000;
    this.tableReadyTimeoutMs = options.tableReadyTimeoutMs ?? 300_000;
    if (options.client !== undefined) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      const { region, endpoint, credentials } = options;
      this.client = new DynamoDBClient({
        ...options.clientConfig,
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
      });
      this.ownsClient = true;
    }
  }

  protected override async setup(): Promise<void> {
    try {
      await this.prepareTable();
    } catch (error) {
      throw isTransient(error) ? this.mapError(error, { operation: "setup" }) : error;
    }
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    checkKey(collection, key);
    const { Item: item } = await this.call(() =>
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
    await this.call(() =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    checkKey(collection, key);
    const { Attributes: old } = await this.call(() =>
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
    const items = await this.readItems(collection, keys, "getMany");
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
    const items = await this.readItems(collection, keys, "deleteMany");
    const now = this.clock.now();
    let live = 0;
    const requests: WriteRequest[] = [];
    for (const [key, item] of items) {
      if (isLive(item, now)) live++;
      requests.push({ DeleteRequest: { Key: primaryKey(collection, key) } });
    }
    await this.writeItems(requests, { operation: "deleteMany", collection });
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
    return this.iterate("keys", collection, () => this.queryKeys(collection, true));
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
      for await (const keys of this.queryKeyPages(name, false)) {
        found ||= keys.length > 0;
        const requests = keys.map(
          (key): WriteRequest => ({ DeleteRequest: { Key: primaryKey(name, key) } }),
        );
        await this.writeItems(requests, { operation: "destroyCollection", collection: name });
      }
      return found;
    });
  }

  /**
   * Removes every item of the table and keeps the table; with `dropTable` deletes the table itself
   * (the next call creates it again when `createTable` is on).
   * @returns `true` when anything was removed.
   * @throws StoreError, UnprocessedItemsError
   */
  async destroy(options?: { dropTable?: boolean | undefined }): Promise<boolean> {
    if (options?.dropTable === true) return this.dropTable();
    return this.guard("destroy", undefined, async () => {
      let found = false;
      let start: Item | undefined;
      do {
        const page = await this.call(() =>
          this.client.send(
            new ScanCommand({
              TableName: this.tableName,
              ProjectionExpression: "#c, #k",
              ExpressionAttributeNames: { "#c": "collection", "#k": "key" },
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

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (KeyValueError.isInstance(error)) return error;
    if (isName(error, "ResourceNotFoundException")) this.forgetSetup();
    if (isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  private async prepareTable(): Promise<void> {
    let table = await this.describeTable();
    if (table === undefined) {
      if (!this.createTable) {
        throw new StoreSetupError({
          message: `Table ${this.tableName} does not exist and createTable is false`,
          operation: "setup",
        });
      }
      table = await this.createAndWait();
    }
    checkSchema(this.tableName, table);
    if (this.createTable) await this.enableExpiry();
  }

  private async describeTable(): Promise<TableDescription | undefined> {
    try {
      const { Table } = await this.call(() =>
        this.client.send(new DescribeTableCommand({ TableName: this.tableName })),
      );
      return Table;
    } catch (error) {
      if (isName(error, "ResourceNotFoundException")) return undefined;
      throw error;
    }
  }

  private async createAndWait(): Promise<TableDescription> {
    try {
      await this.call(() =>
        this.client.send(
          new CreateTableCommand({
            TableName: this.tableName,
            KeySchema: [
              { AttributeName: "collection", KeyType: "HASH" },
              { AttributeName: "key", KeyType: "RANGE" },
            ],
            AttributeDefinitions: [
              { AttributeName: "collection", AttributeType: "S" },
              { AttributeName: "key", AttributeType: "S" },
            ],
            BillingMode: "PAY_PER_REQUEST",
          }),
        ),
      );
    } catch (error) {
      if (!isName(error, "ResourceInUseException")) throw error;
    }
    try {
      const { reason } = await waitUntilTableExists(
        {
          client: this.client,
          minDelay: 1,
          maxDelay: 10,
          maxWaitTime: Math.max(1, this.tableReadyTimeoutMs / 1000),
        },
        { TableName: this.tableName },
      );
      const table = (reason as { Table?: TableDescription } | undefined)?.Table;
      if (table !== undefined) return table;
    } catch (error) {
      throw new StoreSetupError({
        message: `Table ${this.tableName} did not become ACTIVE: ${messageOf(error)}`,
        cause: error,
        operation: "setup",
      });
    }
    const table = await this.describeTable();
    if (table === undefined) {
      throw new StoreSetupError({
        message: `Table ${this.tableName} vanished`,
        operation: "setup",
      });
    }
    return table;
  }

  private async enableExpiry(): Promise<void> {
    const { TimeToLiveDescription } = await this.call(() =>
      this.client.send(new DescribeTimeToLiveCommand({ TableName: this.tableName })),
    );
    if ((TimeToLiveDescription?.TimeToLiveStatus ?? "DISABLED") !== "DISABLED") return;
    try {
      await this.call(() =>
        this.client.send(
          new UpdateTimeToLiveCommand({
            TableName: this.tableName,
            TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" },
          }),
        ),
      );
    } catch (error) {
      // Emulators without native expiry (dynalite) lack the operation; reads filter expiry anyway.
      if (!isName(error, "UnknownOperationException")) throw error;
    }
  }

  private async dropTable(): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(new DeleteTableCommand({ TableName: this.tableName })),
      );
      await waitUntilTableNotExists(
        {
          client: this.client,
          minDelay: 1,
          maxDelay: 10,
          maxWaitTime: Math.max(1, this.tableReadyTimeoutMs / 1000),
        },
        { TableName: this.tableName },
      );
      return true;
    } catch (error) {
      if (isName(error, "ResourceNotFoundException")) return false;
      throw this.mapError(error, { operation: "destroy" });
    } finally {
      this.forgetSetup();
    }
  }

  /** Runs one request, retrying throttling with backoff until the deadline. */
  private async call<T>(
    request: () => Promise<T>,
    deadline = Date.now() + this.retryDeadlineMs,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        const delay = backoffMs(attempt, this.retryDelayMs, this.maxRetryDelayMs);
        if (!isThrottling(error) || Date.now() + delay > deadline) throw error;
        await sleep(delay);
      }
    }
  }

  /**
   * Sends `pending` through `send` (which returns what the server left unprocessed) until nothing
   * is left or the deadline passes; returns what is still left.
   */
  private async drain<T>(
    pending: T[],
    send: (batch: T[]) => Promise<T[]>,
    deadline: number,
  ): Promise<T[]> {
    for (let attempt = 0; pending.length > 0; attempt++) {
      pending = await this.call(() => send(pending), deadline);
      if (pending.length === 0) break;
      const delay = backoffMs(attempt, this.retryDelayMs, this.maxRetryDelayMs);
      if (Date.now() + delay > deadline) break;
      await sleep(delay);
    }
    return pending;
  }

  /** Reads the items of distinct keys with `BatchGetItem`, 100 keys a request. */
  private async readItems(
    collection: string,
    keys: readonly string[],
    operation: Operation,
  ): Promise<Map<string, Item>> {
    for (const key of keys) checkKey(collection, key);
    const deadline = Date.now() + this.retryDeadlineMs;
    const found = new Map<string, Item>();
    const send = async (batch: Item[]): Promise<Item[]> => {
      const request: KeysAndAttributes = { Keys: batch, ConsistentRead: this.consistentRead };
      const out = await this.client.send(
        new BatchGetItemCommand({ RequestItems: { [this.tableName]: request } }),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(keyOf(item), item);
      return out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    };
    const batches = chunk(
      keys.map((key) => primaryKey(collection, key)),
      BATCH_GET_LIMIT,
    );
    const left = await runBounded(batches, this.maxConcurrency, (batch) =>
      this.drain(batch, send, deadline),
    );
    const unprocessedKeys = left.flat().map(keyOf);
    if (unprocessedKeys.length > 0) {
      throw new UnprocessedItemsError({ operation, collection, unprocessedKeys });
    }
    return found;
  }

  /** Writes or deletes items with `BatchWriteItem`, 25 requests at a time. */
  private async writeItems(requests: WriteRequest[], context: ErrorContext): Promise<void> {
    if (requests.length === 0) return;
    const deadline = Date.now() + this.retryDeadlineMs;
    const send = async (batch: WriteRequest[]): Promise<WriteRequest[]> => {
      const out = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.tableName]: batch } }),
      );
      return out.UnprocessedItems?.[this.tableName] ?? [];
    };
    const left = await runBounded(
      chunk(requests, BATCH_WRITE_LIMIT),
      this.maxConcurrency,
      (batch) => this.drain(batch, send, deadline),
    );
    const unprocessedKeys = left
      .flat()
      .map((request) => keyOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}));
    if (unprocessedKeys.length > 0) {
      throw new UnprocessedItemsError({ ...context, unprocessedKeys });
    }
  }

  private async *queryKeys(collection: string, liveOnly: boolean): AsyncGenerator<string> {
    for await (const keys of this.queryKeyPages(collection, liveOnly)) yield* keys;
  }

  /** Pages through a collection's keys with `Query`, following `LastEvaluatedKey`. */
  private async *queryKeyPages(collection: string, liveOnly: boolean): AsyncGenerator<string[]> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: "#c = :c",
      ProjectionExpression: "#k",
      ExpressionAttributeNames: liveOnly ? names : { "#c": "collection", "#k": "key" },
      ExpressionAttributeValues: { ":c": { S: collection } },
      ConsistentRead: this.consistentRead,
    };
    let start: Item | undefined;
    do {
      if (liveOnly) {
        // `ttl` holds whole seconds: an item whose second is over has certainly expired.
        input.FilterExpression = "attribute_not_exists(#t) OR #t >= :now";
        input.ExpressionAttributeValues = {
          ":c": { S: collection },
          ":now": { N: String(Math.floor(this.clock.now() / 1000)) },
        };
      }
      input.ExclusiveStartKey = start;
      const page = await this.call(() => this.client.send(new QueryCommand(input)));
      yield (page.Items ?? []).map(keyOf);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
}

function isName(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as Error).name === name;
}

function checkSchema(tableName: string, table: TableDescription): void {
  const schema = table.KeySchema ?? [];
  const attribute = (name: string) =>
    table.AttributeDefinitions?.find((definition) => definition.AttributeName === name)
      ?.AttributeType;
  const hash = schema.find((element) => element.KeyType === "HASH")?.AttributeName;
  const range = schema.find((element) => element.KeyType === "RANGE")?.AttributeName;
  if (
    hash !== "collection" ||
    range !== "key" ||
    attribute("collection") !== "S" ||
    attribute("key") !== "S"
  ) {
    throw new StoreSetupError({
      message: `Table ${tableName} must have the string partition key "collection" and the string sort key "key"`,
      operation: "setup",
    });
  }
}

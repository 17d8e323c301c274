import { Client, type ClientOptions, type estypes } from "@elastic/elasticsearch";
import {
  BaseStore,
  type BaseStoreOptions,
  type CollectionOptions,
  type CollectionsOptions,
  type ErrorContext,
  InvalidKeyError,
  type KeysOptions,
  type KeyValueError,
  type ManagedEntry,
  type Operation,
  StoreError,
  takeFirst,
} from "@kv/protocol";
import { BulkWriteError, bulkFailures, errorType, isTransient, toKeyValueError } from "./errors.ts";
import {
  documentId,
  fromSource,
  INDEX_MAPPINGS,
  indexName,
  indexPattern,
  keyOfHit,
  MAX_COLLECTION_LENGTH,
  MAX_PREFIX_LENGTH,
  PREFIX_PATTERN,
  toSource,
} from "./layout.ts";

/** Options of `ElasticsearchStore` whichever way it gets its client. */
interface ElasticsearchStoreCommonOptions extends BaseStoreOptions {
  /**
   * Starts every index name (`<indexPrefix>-<collection>`): lowercase letters, digits, `_`, `.`
   * and `-`, starting with a letter or digit, at most 100 characters. @default "kv_store"
   */
  indexPrefix?: string | undefined;
  /**
   * When a write becomes visible to searches (key and collection listing, `cull`): `"wait_for"`
   * returns after the next refresh, `false` returns at once, `true` forces a refresh. Reads by key
   * see every write at once either way. @default "wait_for"
   */
  refresh?: "wait_for" | boolean | undefined;
  /** Settings of the indices the store creates (shards, replicas, refresh interval ...). @default the cluster's defaults */
  indexSettings?: estypes.IndicesIndexSettings | undefined;
  /** Documents or collections fetched per request when listing and culling. @default 1000 */
  pageSize?: number | undefined;
}

/** A store over a client the caller owns: the store never closes it. */
export interface ElasticsearchStoreClientOptions extends ElasticsearchStoreCommonOptions {
  /** The client to use (borrowed: `close()` leaves it open). */
  client: Client;
}

/** A store that makes and owns its client: `close()` closes it. */
export interface ElasticsearchStoreUrlOptions extends ElasticsearchStoreCommonOptions {
  /** The node URL, or several nodes of one cluster, such as `http://127.0.0.1:9200`. */
  url: string | string[];
  /** Credentials: `{ apiKey }`, `{ username, password }` or `{ bearer }`. @default none */
  auth?: ClientOptions["auth"] | undefined;
  /** How long one request may take before it fails with `StoreConnectionError`. @default 10000 */
  requestTimeoutMs?: number | undefined;
  /** How often the client retries a request whose connection failed. @default 3 */
  maxRetries?: number | undefined;
  /** Any other option of the client (TLS, headers, compression ...). @default none */
  clientOptions?: Omit<ClientOptions, "node" | "nodes" | "cloud" | "auth"> | undefined;
}

/** Options of `ElasticsearchStore`: a borrowed `client`, or a `url` to connect to. */
export type ElasticsearchStoreOptions =
  | ElasticsearchStoreClientOptions
  | ElasticsearchStoreUrlOptions;

type Query = estypes.QueryDslQueryContainer;

/** How long a point in time is kept between two pages. */
const KEEP_ALIVE = "1m";
/** How many index names go into one delete request. */
const NAMES_PER_REQUEST = 50;

/**
 * A store keeping each collection in its own Elasticsearch index, one document per key, in
 * py-key-value's layout. Reads by key are realtime; `getMany` is one `mget`, `putMany` and
 * `deleteMany` one `_bulk` request. Listing keys pages through a point in time.
 */
export class ElasticsearchStore extends BaseStore {
  /** The client the store sends its requests with. */
  readonly client: Client;
  /** The prefix of every index of this store. */
  readonly indexPrefix: string;
  private readonly ownsClient: boolean;
  private readonly refresh: "wait_for" | boolean;
  private readonly indexSettings: estypes.IndicesIndexSettings;
  private readonly pageSize: number;
  private closed = false;

  /**
   * @throws RangeError when `indexPrefix` or `pageSize` is not acceptable
   * @throws InvalidKeyError when `defaultCollection` is not a valid collection name
   */
  constructor(options: ElasticsearchStoreOptions) {
    super(options);
    const prefix = options.indexPrefix ?? "kv_store";
    if (!PREFIX_PATTERN.test(prefix) || prefix.length > MAX_PREFIX_LENGTH) {
      throw new RangeError(
        `indexPrefix must be 1 to ${MAX_PREFIX_LENGTH} lowercase letters, digits, "_", "." or "-", starting with a letter or digit, got ${JSON.stringify(prefix)}`,
      );
    }
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
      throw new RangeError(`pageSize must be an integer from 1 to 10000, got ${String(pageSize)}`);
    }
    checkCollectionLength(this.defaultCollection, undefined);
    this.indexPrefix = prefix;
    this.refresh = options.refresh ?? "wait_for";
    this.indexSettings = options.indexSettings ?? {};
    this.pageSize = pageSize;
    if ("client" in options) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = new Client({
        ...options.clientOptions,
        node: options.url,
        ...(options.auth === undefined ? {} : { auth: options.auth }),
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        maxRetries: options.maxRetries ?? 3,
      });
      this.ownsClient = true;
    }
  }

  protected override async setupCollection(collection: string): Promise<void> {
    const index = this.index(collection);
    try {
      if (await this.client.indices.exists({ index })) return;
      await this.client.indices.create({
        index,
        mappings: INDEX_MAPPINGS,
        settings: this.indexSettings,
      });
    } catch (error) {
      const type = errorType(error);
      if (type === "resource_already_exists_exception" || type === "index_already_exists_exception")
        return;
      if (isTransient(error)) throw toKeyValueError(error, { operation: "setup", collection });
      throw error;
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toKeyValueError(error, context);
  }

  protected override resolveCollection(
    options: CollectionOptions | undefined,
    operation: Operation,
  ): string {
    const collection = super.resolveCollection(options, operation);
    checkCollectionLength(collection, operation);
    return collection;
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const response = await this.client.get<unknown>(
      { index: this.index(collection), id: documentId(key) },
      { ignore: [404] },
    );
    return response.found ? fromSource(response._source) : undefined;
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const { docs } = await this.client.mget<unknown>({
      index: this.index(collection),
      ids: keys.map(documentId),
    });
    return docs.map((doc, position) => {
      if ("error" in doc) {
        if (doc.error.type === "index_not_found_exception") return undefined;
        throw new StoreError({
          message: doc.error.reason ?? doc.error.type,
          cause: doc.error,
          collection,
          key: keys[position],
        });
      }
      return doc.found ? fromSource(doc._source) : undefined;
    });
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    await this.client.index({
      index: this.index(collection),
      id: documentId(key),
      document: toSource(collection, key, entry),
      refresh: this.refresh,
    });
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const index = this.index(collection);
    const operations: (estypes.BulkOperationContainer | object)[] = [];
    for (const [key, entry] of entries) {
      operations.push({ index: { _index: index, _id: documentId(key) } });
      operations.push(toSource(collection, key, entry));
    }
    const response = await this.client.bulk({ operations, refresh: this.refresh });
    if (!response.errors) return;
    const keys = entries.map(([key]) => key);
    throw new BulkWriteError({
      failures: bulkFailures(response.items, keys),
      operation: "putMany",
      collection,
    });
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const response = await this.client.delete(
      { index: this.index(collection), id: documentId(key), refresh: this.refresh },
      { ignore: [404] },
    );
    return response.result === "deleted";
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const index = this.index(collection);
    const response = await this.client.bulk({
      operations: keys.map((key) => ({ delete: { _index: index, _id: documentId(key) } })),
      refresh: this.refresh,
    });
    const failures = bulkFailures(response.items, keys, [404]);
    if (failures.length > 0) {
      throw new BulkWriteError({ failures, operation: "deleteMany", collection });
    }
    return response.items.filter((item) => item.delete?.result === "deleted").length;
  }

  /**
   * Lists up to `limit` live keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  async keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  /**
   * Yields every live key of a collection, one page per request, through a point in time.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    return this.iterate("keys", collection, () => this.liveKeys(collection));
  }

  /**
   * Lists up to `limit` collections holding live entries.
   * @throws StoreError
   */
  async collections(options?: CollectionsOptions): Promise<string[]> {
    return takeFirst(this.iterateCollections(), options?.limit);
  }

  /**
   * Yields every collection holding live entries, one page of a composite aggregation per request.
   * @throws StoreError
   */
  iterateCollections(): AsyncIterable<string> {
    return this.iterate("collections", undefined, () => this.liveCollections());
  }

  /**
   * Deletes the index of one collection; `true` when it held any document.
   * @throws InvalidKeyError, StoreError
   */
  async destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    return this.guard("destroyCollection", undefined, async () => {
      const index = this.index(name);
      const held = await this.countDocuments(index);
      await this.client.indices.delete({ index, ignore_unavailable: true });
      this.forgetCollection(name);
      return held > 0;
    });
  }

  /**
   * Deletes every index of this store (`<indexPrefix>-*`); `true` when any held a document.
   * @throws StoreError
   */
  async destroy(): Promise<boolean> {
    return this.guard("destroy", undefined, async () => {
      const pattern = indexPattern(this.indexPrefix);
      const held = await this.countDocuments(pattern);
      const indices = await this.client.indices.get({
        index: pattern,
        features: ["settings"],
        expand_wildcards: ["open", "closed"],
        allow_no_indices: true,
        ignore_unavailable: true,
      });
      const names = Object.keys(indices);
      for (let start = 0; start < names.length; start += NAMES_PER_REQUEST) {
        await this.client.indices.delete({
          index: names.slice(start, start + NAMES_PER_REQUEST),
          ignore_unavailable: true,
        });
      }
      this.forgetSetup();
      return held > 0;
    });
  }

  /**
   * Deletes expired entries of every collection: a point-in-time search on `expires_at`, then one
   * `_bulk` request per page, each delete conditional on the document not having changed since.
   * @throws BulkWriteError when Elasticsearch refuses some deletes, StoreError
   */
  async cull(): Promise<void> {
    await this.guard("cull", undefined, async () => {
      const pattern = indexPattern(this.indexPrefix);
      await this.client.indices.refresh({
        index: pattern,
        allow_no_indices: true,
        ignore_unavailable: true,
      });
      for await (const hits of this.scan(pattern, this.expired(), ["key"], true)) {
        const response = await this.client.bulk({
          operations: hits.map((hit) => ({
            delete: {
              _index: hit._index,
              _id: hit._id,
              if_seq_no: hit._seq_no,
              if_primary_term: hit._primary_term,
            },
          })),
          refresh: this.refresh,
        });
        const failures = bulkFailures(response.items, hits.map(keyOfHit), [404, 409]);
        if (failures.length > 0) throw new BulkWriteError({ failures, operation: "cull" });
      }
    });
  }

  /**
   * Closes the client when the store made it; a borrowed client stays open. Idempotent.
   * @throws StoreError
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsClient) return;
    try {
      await this.client.close();
    } catch (error) {
      throw this.mapError(error, { operation: "close" });
    }
  }

  private index(collection: string): string {
    return indexName(this.indexPrefix, collection);
  }

  /** Matches entries that have expired by the store's clock. */
  private expired(): Query {
    return { range: { expires_at: { lte: this.clock.now(), format: "epoch_millis" } } };
  }

  private async *liveKeys(collection: string): AsyncGenerator<string> {
    const live: Query = { bool: { must_not: [this.expired()] } };
    for await (const hits of this.scan(this.index(collection), live, ["key"], false)) {
      for (const hit of hits) {
        const key = keyOfHit(hit);
        if (key !== undefined) yield key;
      }
    }
  }

  private async *liveCollections(): AsyncGenerator<string> {
    let after: Record<string, estypes.FieldValue> | undefined;
    for (;;) {
      const response = await this.client.search({
        index: indexPattern(this.indexPrefix),
        allow_no_indices: true,
        ignore_unavailable: true,
        size: 0,
        track_total_hits: false,
        query: { bool: { must_not: [this.expired()] } },
        aggs: {
          collections: {
            composite: {
              size: this.pageSize,
              sources: [{ collection: { terms: { field: "collection" } } }],
              ...(after === undefined ? {} : { after }),
            },
          },
        },
      });
      const aggregate = response.aggregations?.collections as
        | estypes.AggregationsCompositeAggregate
        | undefined;
      const buckets = (aggregate?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      for (const bucket of buckets) {
        const name = bucket.key.collection;
        if (typeof name === "string") yield name;
      }
      if (aggregate?.after_key === undefined || buckets.length < this.pageSize) return;
      after = aggregate.after_key;
    }
  }

  /**
   * Yields the hits of a query one page at a time, in bounded memory: a point in time keeps the
   * view stable while `search_after` walks it in index order. The point in time is closed when
   * the caller stops, whether it read everything or not.
   */
  private async *scan(
    index: string,
    query: Query,
    fields: string[],
    withSeqNo: boolean,
  ): AsyncGenerator<estypes.SearchHit<unknown>[]> {
    const opened = await this.client.openPointInTime({
      index,
      keep_alive: KEEP_ALIVE,
      ignore_unavailable: true,
    });
    let pit = opened.id;
    try {
      let after: estypes.SortResults | undefined;
      for (;;) {
        const response = await this.client.search<unknown>({
          pit: { id: pit, keep_alive: KEEP_ALIVE },
          size: this.pageSize,
          sort: [{ _shard_doc: "asc" }],
          track_total_hits: false,
          query,
          _source: fields,
          seq_no_primary_term: withSeqNo,
          ...(after === undefined ? {} : { search_after: after }),
        });
        pit = response.pit_id ?? pit;
        const hits = response.hits.hits;
        if (hits.length > 0) yield hits;
        const last = hits.at(-1);
        if (hits.length < this.pageSize || last?.sort === undefined) return;
        after = last.sort;
      }
    } finally {
      await this.client.closePointInTime({ id: pit }).catch(() => undefined);
    }
  }

  /** Documents in an index or pattern, after a refresh so unrefreshed writes count. */
  private async countDocuments(index: string): Promise<number> {
    const scope = { index, allow_no_indices: true, ignore_unavailable: true };
    await this.client.indices.refresh(scope);
    const { count } = await this.client.count(scope);
    return count;
  }
}

function checkCollectionLength(collection: string, operation: Operation | undefined): void {
  if (collection.length <= MAX_COLLECTION_LENGTH) return;
  throw new InvalidKeyError({
    message: `Collection name longer than ${MAX_COLLECTION_LENGTH} characters`,
    operation,
    collection,
  });
}

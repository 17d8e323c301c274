import type { Client, estypes } from "@elastic/elasticsearch";
import {
  type CollectionOptions,
  type ErrorContext,
  InvalidKeyError,
  type KeyValueError,
  type ManagedEntry,
  type Operation,
  type StoreClass,
  StoreError,
  storeWith,
} from "@kv/protocol";
import { bulkDelete, bulkDeleteUnchanged, bulkPut, type Refresh } from "./bulk.ts";
import { toKeyValueError } from "./errors.ts";
import { countDocuments, deleteIndices, ensureIndex, refreshIndices } from "./indices.ts";
import {
  documentId,
  fromSource,
  indexName,
  indexPattern,
  keyOfHit,
  MAX_COLLECTION_LENGTH,
  MAX_PREFIX_LENGTH,
  PREFIX_PATTERN,
  toSource,
} from "./layout.ts";
import { type ElasticsearchStoreOptions, ownedClient } from "./options.ts";
import {
  expiredQuery,
  liveQuery,
  type Query,
  type ScanOptions,
  scanCollections,
  scanHits,
} from "./search.ts";

const ElasticsearchBase: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "close" | "entries"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "cull", "close", "entries");

/**
 * A store keeping each collection in its own Elasticsearch index, one document per key, in
 * py-key-value's layout. Reads by key are realtime; `getMany` is one `mget`, `putMany` and
 * `deleteMany` one `_bulk` request. Writes do not wait for an index refresh; listings refresh
 * first. Listing keys pages through a point in time.
 */
export class ElasticsearchStore extends ElasticsearchBase {
  /** The client the store sends its requests with. */
  readonly client: Client;
  /** The prefix of every index of this store. */
  readonly indexPrefix: string;
  private readonly ownsClient: boolean;
  private readonly refresh: Refresh;
  private readonly refreshBeforeListing: boolean;
  private readonly indexSettings: estypes.IndicesIndexSettings;
  private readonly pageSize: number;

  /**
   * @throws RangeError when `indexPrefix`, `pageSize` or `retryDelayMs` is not acceptable
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
    this.refresh = options.refresh ?? false;
    this.refreshBeforeListing = options.refreshBeforeListing ?? true;
    this.indexSettings = options.indexSettings ?? {};
    this.pageSize = pageSize;
    this.ownsClient = !("client" in options);
    this.client = "client" in options ? options.client : ownedClient(options);
  }

  protected override setupCollection(collection: string): Promise<void> {
    return ensureIndex(this.client, this.index(collection), this.indexSettings);
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

  protected override putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    return bulkPut(this.client, this.index(collection), collection, entries, this.refresh);
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const response = await this.client.delete(
      { index: this.index(collection), id: documentId(key), refresh: this.refresh },
      { ignore: [404] },
    );
    return response.result === "deleted";
  }

  protected override deleteEntries(collection: string, keys: readonly string[]): Promise<number> {
    return bulkDelete(this.client, this.index(collection), collection, keys, this.refresh);
  }

  /** Live keys of a collection, one page per request through a point in time. */
  protected async *enumerateKeys(collection: string): AsyncGenerator<string> {
    const index = this.index(collection);
    if (this.refreshBeforeListing) await refreshIndices(this.client, index);
    const query = liveQuery(this.clock.now());
    for await (const hits of scanHits(this.client, this.scan(index, query))) {
      for (const hit of hits) {
        const key = keyOfHit(hit);
        if (key !== undefined) yield key;
      }
    }
  }

  /** Collections holding live entries, one page of a composite aggregation per request. */
  protected async *enumerateCollections(): AsyncGenerator<string> {
    const pattern = indexPattern(this.indexPrefix);
    if (this.refreshBeforeListing) await refreshIndices(this.client, pattern);
    yield* scanCollections(this.client, pattern, liveQuery(this.clock.now()), this.pageSize);
  }

  /** Deletes the collection's index; `true` when it held any document. */
  protected async dropCollection(collection: string): Promise<boolean> {
    const index = this.index(collection);
    const held = await countDocuments(this.client, index);
    await this.client.indices.delete({ index, ignore_unavailable: true });
    return held > 0;
  }

  /** Deletes every index of this store (`<indexPrefix>-*`); `true` when any held a document. */
  protected async dropAll(): Promise<boolean> {
    const pattern = indexPattern(this.indexPrefix);
    const held = await countDocuments(this.client, pattern);
    await deleteIndices(this.client, pattern);
    this.forgetSetup();
    return held > 0;
  }

  /**
   * Deletes expired entries of every collection: after a refresh, a point-in-time search on
   * `expires_at`, then one `_bulk` request per page, each delete conditional on the document not
   * having changed since; a last refresh makes the deletions visible to every search.
   */
  protected async removeExpired(): Promise<void> {
    const pattern = indexPattern(this.indexPrefix);
    await refreshIndices(this.client, pattern);
    const scan = { ...this.scan(pattern, expiredQuery(this.clock.now())), withSeqNo: true };
    let deleted = false;
    for await (const hits of scanHits(this.client, scan)) {
      await bulkDeleteUnchanged(this.client, hits);
      deleted = true;
    }
    if (deleted) await refreshIndices(this.client, pattern);
  }

  /** Closes the client when the store made it; a borrowed client stays open. */
  protected async release(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  private index(collection: string): string {
    return indexName(this.indexPrefix, collection);
  }

  private scan(index: string, query: Query): ScanOptions {
    return { index, query, fields: ["key"], pageSize: this.pageSize };
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

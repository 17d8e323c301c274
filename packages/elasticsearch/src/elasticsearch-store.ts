import type { Client, estypes } from "@elastic/elasticsearch";
import {
  type Capability,
  type CollectionOptions,
  type CounterChange,
  capabilityNames,
  type ErrorContext,
  IncrementBatcher,
  type KeyValueError,
  type ManagedEntry,
  mapStoreError,
  type Operation,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import {
  DocumentEntry,
  deleteDocument,
  type EntryRef,
  readStored,
  writeDocument,
} from "./atomic.ts";
import { bulkDelete, bulkDeleteUnchanged, bulkGet, bulkPut, type Refresh } from "./bulk.ts";
import { commitIncrements } from "./counters.ts";
import { isTransient } from "./errors.ts";
import { countDocuments, deleteIndices, ensureIndex, refreshIndices } from "./indices.ts";
import { checkCollectionLength, indexName, indexPattern, keyOfHit, toSource } from "./layout.ts";
import {
  type ElasticsearchStoreOptions,
  ownedClient,
  resolveIndexPrefix,
  resolvePageSize,
} from "./options.ts";
import {
  expiredQuery,
  liveQuery,
  type Query,
  type ScanOptions,
  scanCollections,
  scanHits,
} from "./search.ts";

const ElasticsearchBase: StoreClass<Capability> = storeWith(...capabilityNames);

/**
 * A store keeping each collection in its own Elasticsearch index, one document per key, in
 * py-key-value's layout. Reads by key are realtime; `getMany` is one `mget`, `putMany` and
 * `deleteMany` one `_bulk` request. Writes do not wait for an index refresh; listings refresh
 * first. Listing keys pages through a point in time. The atomic operations are writes
 * conditional on `op_type=create` or `if_seq_no`/`if_primary_term`, never scripts.
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
  private readonly counters = new IncrementBatcher((collection, key, changes) =>
    commitIncrements(this.ref(collection, key), changes),
  );

  /**
   * @throws RangeError when `indexPrefix`, `pageSize` or `retryDelayMs` is not acceptable
   * @throws InvalidKeyError when `defaultCollection` is not a valid collection name
   */
  constructor(options: ElasticsearchStoreOptions) {
    super(options);
    this.indexPrefix = resolveIndexPrefix(options.indexPrefix);
    this.pageSize = resolvePageSize(options.pageSize);
    checkCollectionLength(this.defaultCollection, undefined);
    this.refresh = options.refresh ?? false;
    this.refreshBeforeListing = options.refreshBeforeListing ?? true;
    this.indexSettings = options.indexSettings ?? {};
    this.ownsClient = !("client" in options);
    this.client = "client" in options ? options.client : ownedClient(options);
  }

  protected override setupCollection(collection: string): Promise<void> {
    return ensureIndex(this.client, this.index(collection), this.indexSettings);
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return mapStoreError(error, context, isTransient);
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
    return (await readStored(this.ref(collection, key)))?.entry;
  }

  protected override getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return bulkGet(this.client, this.index(collection), collection, keys);
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    await writeDocument(this.ref(collection, key), toSource(collection, key, entry), "any");
  }

  protected override putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    return bulkPut(this.client, this.index(collection), collection, entries, this.refresh);
  }

  protected deleteEntry(collection: string, key: string): Promise<boolean> {
    return deleteDocument(this.ref(collection, key));
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

  protected atomicEntry(collection: string, key: string): DocumentEntry {
    return new DocumentEntry(this.ref(collection, key));
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
  }

  private index(collection: string): string {
    return indexName(this.indexPrefix, collection);
  }

  private ref(collection: string, key: string): EntryRef {
    const { client, refresh, clock } = this;
    return { client, index: this.index(collection), collection, key, refresh, clock };
  }

  private scan(index: string, query: Query): ScanOptions {
    return { index, query, fields: ["key"], pageSize: this.pageSize };
  }
}

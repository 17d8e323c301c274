import {
  BaseStore,
  type CollectionOptions,
  type CollectionsOptions,
  type ErrorContext,
  type KeysOptions,
  type KeyValueError,
  type ManagedEntry,
  messageOf,
  StoreConnectionError,
  StoreError,
  takeFirst,
  toStoreError,
} from "@kv/protocol";
import type { AnyBulkWriteOperation, Collection, Db, MongoClient } from "mongodb";
import { type MongoDbStoreOptions, nameLimit, openDatabase } from "./client.ts";
import {
  isConnectionError,
  isDuplicateKey,
  isIndexConflict,
  isNamespaceNotFound,
  racedOperations,
} from "./errors.ts";
import {
  ENTRY_PROJECTION,
  fromDocument,
  hasLayoutIndexes,
  INDEXES,
  liveAt,
  toDocument,
} from "./layout.ts";
import { fromMongoName, isHashedName, toMongoName } from "./names.ts";

/** Documents per cursor batch when enumerating keys. */
const PAGE_SIZE = 1000;

/**
 * A store on MongoDB, in py-key-value's layout: one MongoDB collection per collection, one
 * document per entry (`key`, `collection`, `version`, `value.object`, `Date` timestamps), found by
 * a unique index on `key`, expired by a TTL index on `expires_at` and filtered on read.
 * `getMany`, `putMany` and `deleteMany` are one command each.
 */
export class MongoDbStore extends BaseStore {
  /** The database holding the store's collections. */
  readonly db: Db;
  private readonly ownedClient: MongoClient | undefined;
  private readonly maxNameBytes: number;
  private readonly handles = new Map<string, Collection>();
  private closed = false;

  /**
   * @throws InvalidKeyError for a bad `defaultCollection`
   * @throws RangeError for a bad `maxCollectionNameBytes` or `timeoutMs`
   */
  constructor(options: MongoDbStoreOptions = {}) {
    super(options);
    this.maxNameBytes = nameLimit(options);
    const { db, ownedClient } = openDatabase(options);
    this.db = db;
    this.ownedClient = ownedClient;
  }

  /** The name of the MongoDB collection that holds a collection. */
  mongoCollectionName(collection: string): string {
    return toMongoName(collection, this.maxNameBytes);
  }

  protected override async setup(): Promise<void> {
    if (this.ownedClient === undefined) return;
    if (this.closed) throw new StoreError({ message: "The store is closed", operation: "setup" });
    try {
      // Explicitly, because the driver does not recover a client whose automatic connection failed.
      await this.ownedClient.connect();
    } catch (error) {
      if (isConnectionError(error)) throw this.mapError(error, { operation: "setup" });
      throw error;
    }
  }

  protected override async setupCollection(collection: string): Promise<void> {
    const handle = this.handle(collection);
    try {
      await handle.createIndexes(INDEXES);
    } catch (error) {
      if (isConnectionError(error)) throw this.mapError(error, { operation: "setup", collection });
      if (!isIndexConflict(error)) throw error;
      // A collection py-key-value made has a non-unique `key_1`: keep it, add what is missing.
      for (const index of INDEXES) {
        await handle.createIndexes([index]).catch((conflict: unknown) => {
          if (!isIndexConflict(conflict)) throw conflict;
        });
      }
    }
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const document = await this.handle(collection).findOne(
      { key },
      { projection: ENTRY_PROJECTION },
    );
    return document === null ? undefined : fromDocument(document);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const found = new Map<string, ManagedEntry>();
    // One more than can match, so the server reaches the end and closes the cursor in one reply.
    const cursor = this.handle(collection).find(
      { key: { $in: keys } },
      { projection: { ...ENTRY_PROJECTION, key: 1 }, batchSize: keys.length + 1 },
    );
    for await (const document of cursor) found.set(document.key, fromDocument(document));
    return keys.map((key) => found.get(key));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const document = toDocument(collection, key, entry, { operation: "put", collection, key });
    const handle = this.handle(collection);
    try {
      await handle.replaceOne({ key }, document, { upsert: true });
    } catch (error) {
      // Another writer inserted the key first; now the upsert finds and replaces it.
      if (!isDuplicateKey(error)) throw error;
      await handle.replaceOne({ key }, document, { upsert: true });
    }
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const operations: AnyBulkWriteOperation[] = entries.map(([key, entry]) => ({
      replaceOne: {
        filter: { key },
        replacement: toDocument(collection, key, entry, {
          operation: "putMany",
          collection,
          key,
        }),
        upsert: true,
      },
    }));
    const handle = this.handle(collection);
    try {
      await handle.bulkWrite(operations, { ordered: false });
    } catch (error) {
      const raced = racedOperations(error, operations);
      if (raced === undefined) throw error;
      await handle.bulkWrite(raced, { ordered: false });
    }
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const filter = { key, ...liveAt(this.clock.now()) };
    return (await this.handle(collection).deleteOne(filter)).deletedCount > 0;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const filter = { key: { $in: keys }, ...liveAt(this.clock.now()) };
    return (await this.handle(collection).deleteMany(filter)).deletedCount;
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!isConnectionError(error)) return toStoreError(error, context);
    return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
  }

  /**
   * Lists up to `limit` live keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  async keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  /**
   * Yields every live key of a collection through one cursor, `PAGE_SIZE` keys per batch.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    return this.iterate("keys", collection, () => this.scanKeys(collection));
  }

  /**
   * Lists up to `limit` collections holding a live entry.
   * @throws StoreError
   */
  async collections(options?: CollectionsOptions): Promise<string[]> {
    return takeFirst(this.iterateCollections(), options?.limit);
  }

  /**
   * Yields every collection of the database that holds a live entry of this layout.
   * @throws StoreError
   */
  iterateCollections(): AsyncIterable<string> {
    return this.iterate("collections", undefined, () => this.scanCollections());
  }

  /**
   * Drops the MongoDB collection of one collection; other collections are untouched.
   * @returns `true` when it held any document
   * @throws InvalidKeyError, StoreError
   */
  async destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    const context = { operation: "destroyCollection", collection: name } as const;
    return this.guard("destroyCollection", undefined, async () => {
      try {
        const handle = this.handle(name);
        const held = (await handle.findOne({}, { projection: { _id: 1 } })) !== null;
        await drop(handle);
        this.forgetCollection(name);
        return held;
      } catch (error) {
        throw this.mapError(error, context);
      }
    });
  }

  /**
   * Drops every collection of the database that has this store's layout (its name is one the
   * store makes and it has the `key_1` and TTL `expires_at_1` indexes); other data is untouched.
   * @returns `true` when any of them held a document
   * @throws StoreError
   */
  async destroy(): Promise<boolean> {
    return this.guard("destroy", undefined, async () => {
      let removed = false;
      for await (const handle of this.ownCollections()) {
        if ((await handle.findOne({}, { projection: { _id: 1 } })) !== null) removed = true;
        await drop(handle);
      }
      this.handles.clear();
      this.forgetSetup();
      return removed;
    });
  }

  /**
   * Deletes expired entries from every collection of this layout now, rather than when MongoDB's
   * TTL monitor next runs (about once a minute; servers without one never do).
   * @throws StoreError
   */
  async cull(): Promise<void> {
    await this.guard("cull", undefined, async () => {
      const expired = { expires_at: { $lte: new Date(this.clock.now()) } };
      for await (const handle of this.ownCollections()) await handle.deleteMany(expired);
    });
  }

  /**
   * Closes the client when the store made it; a borrowed client or database stays open.
   * @throws StoreError
   */
  async close(): Promise<void> {
    if (this.ownedClient === undefined || this.closed) return;
    this.closed = true;
    try {
      await this.ownedClient.close();
    } catch (error) {
      throw this.mapError(error, { operation: "close" });
    }
  }

  private handle(collection: string): Collection {
    let handle = this.handles.get(collection);
    if (handle === undefined) {
      handle = this.db.collection(this.mongoCollectionName(collection));
      this.handles.set(collection, handle);
    }
    return handle;
  }

  private async *scanKeys(collection: string): AsyncIterable<string> {
    const cursor = this.handle(collection).find(liveAt(this.clock.now()), {
      projection: { _id: 0, key: 1 },
      batchSize: PAGE_SIZE,
    });
    for await (const document of cursor) {
      if (typeof document.key === "string") yield document.key;
    }
  }

  private async *scanCollections(): AsyncIterable<string> {
    for await (const name of this.candidateNames()) {
      const collection = fromMongoName(name, this.maxNameBytes);
      const filter = {
        ...liveAt(this.clock.now()),
        key: { $type: "string" },
        collection: collection ?? { $type: "string" },
      };
      const document = await this.db
        .collection(name)
        .findOne(filter, { projection: { _id: 0, collection: 1 } });
      const found: unknown = document?.collection;
      if (typeof found === "string" && this.mongoCollectionName(found) === name) yield found;
    }
  }

  /** The collections of the database with this layout's name and indexes. */
  private async *ownCollections(): AsyncIterable<Collection> {
    for await (const name of this.candidateNames()) {
      const handle = this.db.collection(name);
      const indexes = await handle.listIndexes().toArray();
      if (hasLayoutIndexes(indexes)) yield handle;
    }
  }

  /** Names in the database that `toMongoName` can have made. */
  private async *candidateNames(): AsyncIterable<string> {
    const listing = this.db.listCollections({}, { nameOnly: true, batchSize: PAGE_SIZE });
    for await (const { name, type } of listing) {
      if (type !== undefined && type !== "collection") continue;
      if (isHashedName(name) || fromMongoName(name, this.maxNameBytes) !== undefined) yield name;
    }
  }
}

/** Drops a collection; one that is already gone is fine. */
async function drop(handle: Collection): Promise<void> {
  try {
    await handle.drop();
  } catch (error) {
    if (!isNamespaceNotFound(error)) throw error;
  }
}

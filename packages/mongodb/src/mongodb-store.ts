import {
  type Capability,
  type CounterChange,
  capabilityNames,
  type ErrorContext,
  type KeyValueError,
  type ManagedEntry,
  mapStoreError,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import type { AnyBulkWriteOperation, Collection, Db, MongoClient } from "mongodb";
import * as atomic from "./atomic.ts";
import {
  createLayoutIndexes,
  drop,
  holdsAny,
  layoutCollections,
  liveCollections,
  PAGE_SIZE,
} from "./catalog.ts";
import { type MongoDbStoreOptions, nameLimit, openDatabase } from "./client.ts";
import { isConnectionError, isDuplicateKey, racedOperations } from "./errors.ts";
import { ENTRY_PROJECTION, fromDocument, liveAt, toDocument } from "./layout.ts";
import { toMongoName } from "./names.ts";

const MongoDbBase: StoreClass<Capability> = storeWith(...capabilityNames);

/**
 * A store on MongoDB, in py-key-value's layout: one MongoDB collection per collection, one
 * document per entry (`key`, `collection`, `version`, `value.object`, `Date` timestamps), found by
 * a unique index on `key`, expired by a TTL index on `expires_at` and filtered on read.
 * `getMany`, `putMany` and `deleteMany` are one command each; the atomic operations are
 * conditional commands on one document, their filters checking expiry too.
 */
export class MongoDbStore extends MongoDbBase {
  /** The database holding the store's collections. */
  readonly db: Db;
  private readonly ownedClient: MongoClient | undefined;
  private readonly maxNameBytes: number;
  private readonly handles = new Map<string, Collection>();
  /** Collections whose `key` index py-key-value made without `unique`. */
  private readonly sharedKeyIndex = new Set<string>();

  /**
   * @throws InvalidKeyError for a bad `defaultCollection`
   * @throws RangeError for a bad `maxCollectionNameBytes` or timeout
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

  /** Connects an owned client explicitly: the driver never recovers one whose automatic connection failed. */
  protected override async setup(): Promise<void> {
    await this.ownedClient?.connect();
  }

  protected override async setupCollection(collection: string): Promise<void> {
    if (await createLayoutIndexes(this.handle(collection))) this.sharedKeyIndex.delete(collection);
    else this.sharedKeyIndex.add(collection);
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
    return mapStoreError(error, context, isConnectionError);
  }

  /** One cursor over the live entries, `PAGE_SIZE` keys per batch. */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const cursor = this.handle(collection).find(liveAt(this.clock.now()), {
      projection: { _id: 0, key: 1 },
      batchSize: PAGE_SIZE,
    });
    for await (const document of cursor) {
      if (typeof document.key === "string") yield document.key;
    }
  }

  /** Collections of the database that hold a live entry of this layout. */
  protected enumerateCollections(): AsyncIterable<string> {
    return liveCollections(this.db, this.maxNameBytes, () => this.clock.now());
  }

  /** Drops the collection's MongoDB collection, never creating one. */
  protected async dropCollection(collection: string): Promise<boolean> {
    const handle = this.handle(collection);
    const held = await holdsAny(handle);
    await drop(handle);
    return held;
  }

  /**
   * Drops every collection of the database that has this store's layout (its name is one the
   * store makes and it has the `key_1` and TTL `expires_at_1` indexes); other data is untouched.
   */
  protected async dropAll(): Promise<boolean> {
    let removed = false;
    for await (const handle of layoutCollections(this.db, this.maxNameBytes)) {
      if (await holdsAny(handle)) removed = true;
      await drop(handle);
    }
    this.handles.clear();
    this.forgetSetup();
    return removed;
  }

  /** Deletes expired documents now, rather than when MongoDB's TTL monitor next runs (if ever). */
  protected async removeExpired(): Promise<void> {
    const expired = { expires_at: { $lte: new Date(this.clock.now()) } };
    for await (const handle of layoutCollections(this.db, this.maxNameBytes)) {
      await handle.deleteMany(expired);
    }
  }

  /** Closes the client when the store made it; a borrowed client or database stays open. */
  protected async release(): Promise<void> {
    await this.ownedClient?.close();
  }

  protected atomicEntry(collection: string, key: string): atomic.DocumentEntry {
    return new atomic.DocumentEntry(this.slot(collection, key), this.clock);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return atomic.addToCount(this.slot(collection, key), change, this.clock);
  }

  private slot(collection: string, key: string): atomic.EntrySlot {
    const uniqueKey = !this.sharedKeyIndex.has(collection);
    return { handle: this.handle(collection), collection, key, uniqueKey };
  }

  private handle(collection: string): Collection {
    let handle = this.handles.get(collection);
    if (handle === undefined) {
      handle = this.db.collection(this.mongoCollectionName(collection));
      this.handles.set(collection, handle);
    }
    return handle;
  }
}

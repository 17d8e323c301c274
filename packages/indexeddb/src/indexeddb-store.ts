import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type BaseStoreOptions,
  type CounterChange,
  counterEntry,
  deserializeEntry,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { RecordEntry, updateEntry } from "./atomic-update.ts";
import {
  collectionRange,
  collectionsAfter,
  type EntryRecord,
  entriesStore,
  entryRecord,
  expiryIndex,
  openEntriesDatabase,
} from "./records.ts";
import { committed, completed } from "./requests.ts";

/** How an `IndexedDbStore` is opened. */
export interface IndexedDbStoreOptions extends BaseStoreOptions {
  /** The database this store owns (created on first use). Default `"kv"`. */
  database?: string | undefined;
  /** The `IDBFactory` to open it with. Default `globalThis.indexedDB`. */
  factory?: IDBFactory | undefined;
}

const pageSize = 100;

const Base: StoreClass<EnumerationCapability | "close" | AtomicCapability> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "close",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store over IndexedDB. The store owns one database holding one object store of entries keyed
 * by `[collection, key]` (a collection is a key range, so collections cost nothing to create),
 * each entry py-key-value's JSON document. Bulk calls run in one transaction: a `putMany` is
 * written entirely or not at all. The atomic operations (`putIfAbsent`, versions, `increment`,
 * `touch`) read and write in one read-write transaction, which IndexedDB runs alone on the
 * object store, so they hold between tabs and workers too. Expired entries are filtered on read
 * and removed by `cull()` through an index on their expiry.
 */
export class IndexedDbStore extends Base {
  private readonly databaseName: string;
  private readonly factory: IDBFactory | undefined;
  private database: IDBDatabase | undefined;

  /** @throws InvalidKeyError when `defaultCollection` is not a valid collection name */
  constructor(options: IndexedDbStoreOptions = {}) {
    super(options);
    this.databaseName = options.database ?? "kv";
    this.factory = options.factory;
  }

  protected override async setup(): Promise<void> {
    const factory = this.factory ?? globalThis.indexedDB;
    if (factory === undefined) throw new Error("IndexedDB is not available in this runtime");
    const database = await openEntriesDatabase(factory, this.databaseName);
    database.onversionchange = () => database.close();
    this.database = database;
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const [entry] = await this.getEntries(collection, [key]);
    return entry;
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const entries = this.transaction("readonly").objectStore(entriesStore);
    const records = await Promise.all(
      keys.map((key) => completed<EntryRecord | undefined>(entries.get([collection, key]))),
    );
    return records.map((record) =>
      record === undefined ? undefined : deserializeEntry(record.document),
    );
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    await this.putEntries(collection, [[key, entry]]);
  }

  protected override putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    return this.write(async (store) => {
      for (const [key, entry] of entries) store.put(entryRecord(collection, key, entry));
    });
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const now = this.clock.now();
    const removed = await this.write((store) =>
      Promise.all(
        keys.map(async (key) => {
          const record = await completed<EntryRecord | undefined>(store.get([collection, key]));
          if (record === undefined) return false;
          store.delete([collection, key]);
          return !isExpired(deserializeEntry(record.document), now);
        }),
      ),
    );
    return removed.filter(Boolean).length;
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const store = this.transaction("readonly").objectStore(entriesStore);
      const page = await completed<EntryRecord[]>(
        store.getAll(collectionRange(collection, after), pageSize),
      );
      const now = this.clock.now();
      for (const record of page) {
        if (!isExpired(deserializeEntry(record.document), now)) yield record.key;
      }
      if (page.length < pageSize) return;
      after = page[page.length - 1]?.key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const store = this.transaction("readonly").objectStore(entriesStore);
      const first = await completed<IDBValidKey | undefined>(store.getKey(collectionsAfter(after)));
      if (first === undefined) return;
      const [collection] = first as [string, string];
      yield collection;
      after = collection;
    }
  }

  protected dropCollection(collection: string): Promise<boolean> {
    return this.removeAll(collectionRange(collection));
  }

  protected dropAll(): Promise<boolean> {
    return this.removeAll(undefined);
  }

  protected removeExpired(): Promise<void> {
    return this.write(async (store) => {
      const expired = IDBKeyRange.upperBound(this.clock.now());
      const keys = await completed(store.index(expiryIndex).getAllKeys(expired));
      for (const key of keys) store.delete(key);
    });
  }

  protected atomicEntry(collection: string, key: string): RecordEntry {
    return new RecordEntry(this.openDatabase(), this.clock, collection, key);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return updateEntry(this.transaction("readwrite"), this.clock, collection, key, (_, live) => {
      const { entry, count } = counterEntry(live, change, { collection, key });
      return { write: entry, result: count };
    });
  }

  protected async release(): Promise<void> {
    this.database?.close();
    this.database = undefined;
  }

  /** Runs `work` on the entries in one read-write transaction; resolves once that commits. */
  private async write<T>(work: (store: IDBObjectStore) => Promise<T>): Promise<T> {
    const transaction = this.transaction("readwrite");
    const result = await work(transaction.objectStore(entriesStore));
    await committed(transaction);
    return result;
  }

  /** Removes the entries in `range` (all for `undefined`); `true` when there were any. */
  private removeAll(range: IDBKeyRange | undefined): Promise<boolean> {
    return this.write(async (store) => {
      const held = await completed(store.count(range));
      if (range === undefined) store.clear();
      else store.delete(range);
      return held > 0;
    });
  }

  private transaction(mode: IDBTransactionMode): IDBTransaction {
    return this.openDatabase().transaction(entriesStore, mode);
  }

  /** The database, once `setup` opened it and until `close`. */
  private openDatabase(): IDBDatabase {
    if (this.database === undefined) throw new Error("The IndexedDB database is not open");
    return this.database;
  }
}

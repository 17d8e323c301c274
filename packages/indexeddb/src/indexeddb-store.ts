import {
  type BaseStoreOptions,
  deserializeEntry,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  serializeEntry,
  storeWith,
} from "@kv/protocol";
import { committed, completed, openEntriesDatabase } from "./requests.ts";

/** How an `IndexedDbStore` is opened. */
export interface IndexedDbStoreOptions extends BaseStoreOptions {
  /** The database this store owns (created on first use). Default `"kv"`. */
  database?: string | undefined;
  /** The `IDBFactory` to open it with. Default `globalThis.indexedDB`. */
  factory?: IDBFactory | undefined;
}

/** One stored record: the entry as py-key-value's JSON document, and its expiry for `cull()`. */
interface EntryRecord {
  collection: string;
  key: string;
  document: string;
  expiresAt?: number;
}

const entriesStore = "entries";
const pageSize = 100;
/** Sorts after every string: the upper bound of one collection's `[collection, key]` range. */
const afterEveryKey: never[] = [];

const Base: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "close"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "cull", "close");

/**
 * A store over IndexedDB. The store owns one database holding one object store of entries keyed
 * by `[collection, key]` (a collection is a key range, so collections cost nothing to create),
 * each entry py-key-value's JSON document. Bulk calls run in one transaction: a `putMany` is
 * written entirely or not at all. Expired entries are filtered on read and removed by `cull()`
 * through an index on their expiry.
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
    const database = await openEntriesDatabase(factory, this.databaseName, entriesStore);
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

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const transaction = this.transaction("readwrite");
    const store = transaction.objectStore(entriesStore);
    for (const [key, entry] of entries) {
      const record: EntryRecord = {
        collection,
        key,
        document: serializeEntry(entry, { collection, key }),
      };
      if (entry.expiresAt !== undefined) record.expiresAt = entry.expiresAt;
      store.put(record);
    }
    await committed(transaction);
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const transaction = this.transaction("readwrite");
    const store = transaction.objectStore(entriesStore);
    const now = this.clock.now();
    const removed = await Promise.all(
      keys.map(async (key) => {
        const record = await completed<EntryRecord | undefined>(store.get([collection, key]));
        if (record === undefined) return false;
        store.delete([collection, key]);
        return !isExpired(deserializeEntry(record.document), now);
      }),
    );
    await committed(transaction);
    return removed.filter(Boolean).length;
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const range =
        after === undefined
          ? IDBKeyRange.bound([collection, ""], [collection, afterEveryKey])
          : IDBKeyRange.bound([collection, after], [collection, afterEveryKey], true);
      const store = this.transaction("readonly").objectStore(entriesStore);
      const page = await completed<EntryRecord[]>(store.getAll(range, pageSize));
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
      const range =
        after === undefined
          ? IDBKeyRange.lowerBound([""])
          : IDBKeyRange.lowerBound([after, afterEveryKey], true);
      const first = await completed<IDBValidKey | undefined>(store.getKey(range));
      if (first === undefined) return;
      const [collection] = first as [string, string];
      yield collection;
      after = collection;
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const range = IDBKeyRange.bound([collection, ""], [collection, afterEveryKey]);
    const transaction = this.transaction("readwrite");
    const store = transaction.objectStore(entriesStore);
    const held = await completed(store.count(range));
    store.delete(range);
    await committed(transaction);
    return held > 0;
  }

  protected async dropAll(): Promise<boolean> {
    const transaction = this.transaction("readwrite");
    const store = transaction.objectStore(entriesStore);
    const held = await completed(store.count());
    store.clear();
    await committed(transaction);
    return held > 0;
  }

  protected async removeExpired(): Promise<void> {
    const transaction = this.transaction("readwrite");
    const expiry = transaction.objectStore(entriesStore).index("expiresAt");
    const keys = await completed(expiry.getAllKeys(IDBKeyRange.upperBound(this.clock.now())));
    const store = transaction.objectStore(entriesStore);
    for (const key of keys) store.delete(key);
    await committed(transaction);
  }

  protected async release(): Promise<void> {
    this.database?.close();
    this.database = undefined;
  }

  private transaction(mode: IDBTransactionMode): IDBTransaction {
    if (this.database === undefined) throw new Error("The IndexedDB database is not open");
    return this.database.transaction(entriesStore, mode);
  }
}

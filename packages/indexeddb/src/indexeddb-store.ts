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
  type StoredVersion,
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

/**
 * One stored record: the entry as py-key-value's JSON document, its expiry for `cull()`, and a
 * random version token drawn anew on every write.
 */
interface EntryRecord {
  collection: string;
  key: string;
  document: string;
  version: string;
  expiresAt?: number;
}

/** What an atomic update decides after reading the current entry. */
interface Decision<T> {
  write?: ManagedEntry | undefined;
  remove?: boolean | undefined;
  result: T;
}

const entriesStore = "entries";
const pageSize = 100;
/** Sorts after every string: the upper bound of one collection's `[collection, key]` range. */
const afterEveryKey: never[] = [];

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
    for (const [key, entry] of entries) store.put(entryRecord(collection, key, entry));
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

  protected async insertEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): Promise<boolean> {
    return this.update(collection, key, (_, live) =>
      live === undefined ? { write: entry, result: true } : { result: false },
    );
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    const store = this.transaction("readonly").objectStore(entriesStore);
    const record = await completed<EntryRecord | undefined>(store.get([collection, key]));
    if (record === undefined) return undefined;
    return { entry: deserializeEntry(record.document), version: record.version };
  }

  protected async replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    return this.ifVersion(collection, key, version, { write: entry });
  }

  protected async removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean> {
    return this.ifVersion(collection, key, version, { remove: true });
  }

  protected async addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number> {
    return this.update(collection, key, (_, live) => {
      const { entry, count } = counterEntry(live, change, { collection, key });
      return { write: entry, result: count };
    });
  }

  protected async touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    return this.update(collection, key, (_, live) => {
      if (live === undefined) return { result: false };
      return { write: { ...live, expiresAt }, result: true };
    });
  }

  protected async release(): Promise<void> {
    this.database?.close();
    this.database = undefined;
  }

  /** Writes or removes one entry as `change` says when it is live at `version`; `true` when it was. */
  private ifVersion(
    collection: string,
    key: string,
    version: string,
    change: Omit<Decision<boolean>, "result">,
  ): Promise<boolean> {
    return this.update(collection, key, (record, live) =>
      live !== undefined && record?.version === version
        ? { ...change, result: true }
        : { result: false },
    );
  }

  /**
   * Reads one entry and writes or removes it as `decide` says, in one read-write transaction;
   * when `decide` throws, the transaction is aborted and nothing changes.
   */
  private async update<T>(
    collection: string,
    key: string,
    decide: (record: EntryRecord | undefined, live: ManagedEntry | undefined) => Decision<T>,
  ): Promise<T> {
    const transaction = this.transaction("readwrite");
    const done = committed(transaction);
    const store = transaction.objectStore(entriesStore);
    const record = await completed<EntryRecord | undefined>(store.get([collection, key]));
    const entry = record === undefined ? undefined : deserializeEntry(record.document);
    const live = entry !== undefined && !isExpired(entry, this.clock.now()) ? entry : undefined;
    let decision: Decision<T>;
    try {
      decision = decide(record, live);
    } catch (error) {
      transaction.abort();
      await done.catch(() => undefined);
      throw error;
    }
    if (decision.write !== undefined) store.put(entryRecord(collection, key, decision.write));
    else if (decision.remove === true) store.delete([collection, key]);
    await done;
    return decision.result;
  }

  private transaction(mode: IDBTransactionMode): IDBTransaction {
    if (this.database === undefined) throw new Error("The IndexedDB database is not open");
    return this.database.transaction(entriesStore, mode);
  }
}

function entryRecord(collection: string, key: string, entry: ManagedEntry): EntryRecord {
  const record: EntryRecord = {
    collection,
    key,
    document: serializeEntry(entry, { collection, key }),
    version: crypto.randomUUID(),
  };
  if (entry.expiresAt !== undefined) record.expiresAt = entry.expiresAt;
  return record;
}

import {
  type AtomicEntry,
  type Clock,
  deserializeEntry,
  isExpired,
  type ManagedEntry,
  type StoredVersion,
} from "@kv/protocol";
import { type EntryRecord, entriesStore, entryRecord } from "./records.ts";
import { committed, completed } from "./requests.ts";

/** What an atomic update decides after reading the current entry. */
export interface Decision<T> {
  write?: ManagedEntry | undefined;
  remove?: boolean | undefined;
  result: T;
}

/** Decides from the stored record and, when it is live, its entry. */
export type Decide<T> = (
  record: EntryRecord | undefined,
  live: ManagedEntry | undefined,
) => Decision<T>;

/**
 * Reads one entry and writes or removes it as `decide` says, in `transaction` (read-write on the
 * entries), which IndexedDB runs alone on the object store; when `decide` throws, the
 * transaction is aborted, nothing changes, and the error stands.
 * @returns the result `decide` gave, once the transaction committed
 */
export async function updateEntry<T>(
  transaction: IDBTransaction,
  clock: Clock,
  collection: string,
  key: string,
  decide: Decide<T>,
): Promise<T> {
  const done = committed(transaction);
  const store = transaction.objectStore(entriesStore);
  const record = await completed<EntryRecord | undefined>(store.get([collection, key]));
  const entry = record === undefined ? undefined : deserializeEntry(record.document);
  const live = entry !== undefined && !isExpired(entry, clock.now()) ? entry : undefined;
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

/**
 * The atomic operations on one entry's record (the store's `atomicEntry`): each a read and a
 * write or removal in one read-write transaction (`updateEntry`), the versioned read one
 * read-only transaction. A version is the record's random token, drawn anew on every write.
 */
export class RecordEntry implements AtomicEntry {
  readonly #database: IDBDatabase;
  readonly #clock: Clock;
  readonly #collection: string;
  readonly #key: string;

  constructor(database: IDBDatabase, clock: Clock, collection: string, key: string) {
    this.#database = database;
    this.#clock = clock;
    this.#collection = collection;
    this.#key = key;
  }

  /** Writes the record unless a live entry holds the key. */
  insert(entry: ManagedEntry): Promise<boolean> {
    return this.#update((_, live) =>
      live === undefined ? { write: entry, result: true } : { result: false },
    );
  }

  /**
   * The record's entry with its version token.
   * @throws DeserializationError when the record's document is not an entry
   */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const store = this.#database.transaction(entriesStore, "readonly").objectStore(entriesStore);
    const record = await completed<EntryRecord | undefined>(
      store.get([this.#collection, this.#key]),
    );
    if (record === undefined) return undefined;
    return { entry: deserializeEntry(record.document), version: record.version };
  }

  /** Writes the record while its entry is live and it has the version token. */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    return this.#update(this.#atVersion(version, { write: entry }));
  }

  /** Deletes the record while its entry is live and it has the version token. */
  async removeVersioned(version: string): Promise<boolean> {
    return this.#update(this.#atVersion(version, { remove: true }));
  }

  /** Writes the live entry back with the new expiry, its value and `createdAt` kept. */
  touch(expiresAt: number | undefined): Promise<boolean> {
    return this.#update((_, live) =>
      live === undefined ? { result: false } : { write: { ...live, expiresAt }, result: true },
    );
  }

  /** Reads the record and writes or removes it as `decide` says, in one read-write transaction. */
  #update<T>(decide: Decide<T>): Promise<T> {
    const transaction = this.#database.transaction(entriesStore, "readwrite");
    return updateEntry(transaction, this.#clock, this.#collection, this.#key, decide);
  }

  /** Makes `change` (a write or a removal) when the entry is live at `version`; `true` when it was. */
  #atVersion(version: string, change: Omit<Decision<boolean>, "result">): Decide<boolean> {
    return (record, live) =>
      live !== undefined && record?.version === version
        ? { ...change, result: true }
        : { result: false };
  }
}

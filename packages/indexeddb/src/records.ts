import { type ManagedEntry, serializeEntry } from "@kv/protocol";
import { completed } from "./requests.ts";

/** The object store of a store's database that holds every entry. */
export const entriesStore = "entries";

/** The index of the entries on their expiry, for `cull()`. */
export const expiryIndex = "expiresAt";

/**
 * One stored record: the entry as py-key-value's JSON document, its expiry for `cull()`, and a
 * random version token drawn anew on every write.
 */
export interface EntryRecord {
  collection: string;
  key: string;
  document: string;
  version: string;
  expiresAt?: number;
}

/** Opens (creating or upgrading when needed) a database with the object store of entries. */
export function openEntriesDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const request = factory.open(name, 1);
  request.onupgradeneeded = () => {
    const entries = request.result.createObjectStore(entriesStore, {
      keyPath: ["collection", "key"],
    });
    entries.createIndex(expiryIndex, "expiresAt");
  };
  return completed(request);
}

/** Sorts after every string: the upper bound of one collection's `[collection, key]` range. */
const afterEveryKey: never[] = [];

/** The record that stores `entry` at `[collection, key]`, with a new version token. */
export function entryRecord(collection: string, key: string, entry: ManagedEntry): EntryRecord {
  const record: EntryRecord = {
    collection,
    key,
    document: serializeEntry(entry, { collection, key }),
    version: crypto.randomUUID(),
  };
  if (entry.expiresAt !== undefined) record.expiresAt = entry.expiresAt;
  return record;
}

/** The record keys of one collection, or those of it that sort after the key `after`. */
export function collectionRange(collection: string, after?: string): IDBKeyRange {
  const lower = [collection, after ?? ""];
  return IDBKeyRange.bound(lower, [collection, afterEveryKey], after !== undefined);
}

/** The record keys from the first collection on, or from the first after collection `after`. */
export function collectionsAfter(after?: string): IDBKeyRange {
  return after === undefined
    ? IDBKeyRange.lowerBound([""])
    : IDBKeyRange.lowerBound([after, afterEveryKey], true);
}

import { type Clock, deserializeEntry, isExpired, type ManagedEntry } from "@kv/protocol";
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

/** Makes `change` (a write or a removal) when the entry is live at `version`; `true` when it was. */
export function atVersion(
  version: string,
  change: Omit<Decision<boolean>, "result">,
): Decide<boolean> {
  return (record, live) =>
    live !== undefined && record?.version === version
      ? { ...change, result: true }
      : { result: false };
}

import type { ClassicLevel } from "classic-level";
import { type KeyRange, utf8, type WriteOperation } from "./collection-registry.ts";
import type { DatabaseCalls } from "./database-calls.ts";
import { isExpiredText } from "./entry-codec.ts";

type Database = ClassicLevel<string, string>;

/** Writes one batch with the store's write options. */
export type BatchWrite = (operations: WriteOperation[]) => Promise<void>;

/** How many keys one delete batch holds. */
const batchSize = 1000;

/** Deletes every key in a range, reading keys only, in batches of 1 000; returns how many. */
export async function deleteRange(
  db: Database,
  range: KeyRange,
  write: BatchWrite,
): Promise<number> {
  let removed = 0;
  const iterator = db.keys<string>({ ...range, keyEncoding: "utf8" });
  try {
    for (;;) {
      const keys = await iterator.nextv(batchSize);
      if (keys.length === 0) break;
      await write(keys.map((key) => ({ type: "del", key })));
      removed += keys.length;
    }
  } finally {
    await iterator.close();
  }
  return removed;
}

/**
 * Deletes the entries of a range that have expired at `now`, reading each record once and
 * deleting in batches of 1 000, each re-checked under its keys' locks just before it is deleted.
 */
export async function deleteExpired(
  db: Database,
  range: KeyRange,
  now: number,
  calls: DatabaseCalls,
): Promise<void> {
  let expired: string[] = [];
  for await (const [key, text] of db.iterator<string, string>({ ...range, ...utf8 })) {
    if (!isExpiredText(text, now)) continue;
    expired.push(key);
    if (expired.length >= batchSize) {
      await deleteRecords(calls, expired, now, true);
      expired = [];
    }
  }
  if (expired.length > 0) await deleteRecords(calls, expired, now, true);
}

/**
 * Deletes the records of `keys` (with `expiredOnly`, those expired at `now`) in one batch, reading
 * them under their keys' locks, so no write of this process lands between the read and the delete.
 * @returns how many of the deleted records were live
 */
export function deleteRecords(
  calls: DatabaseCalls,
  keys: string[],
  now: number,
  expiredOnly: boolean,
): Promise<number> {
  return calls.exclusive(keys, async (locked) => {
    const texts = await locked.getMany(keys);
    const operations: WriteOperation[] = [];
    let live = 0;
    for (const [index, text] of texts.entries()) {
      if (text === undefined) continue;
      const expired = isExpiredText(text, now);
      if (expiredOnly && !expired) continue;
      operations.push({ type: "del", key: keys[index] as string });
      if (!expired) live += 1;
    }
    if (operations.length > 0) await locked.batch(operations);
    return live;
  });
}

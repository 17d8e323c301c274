import type { ClassicLevel } from "classic-level";
import { type KeyRange, utf8, type WriteOperation } from "./collection-registry.ts";
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
 * deleting in batches of 1 000, each re-checked just before it is deleted.
 */
export async function deleteExpired(
  db: Database,
  range: KeyRange,
  now: number,
  write: BatchWrite,
): Promise<void> {
  let expired: string[] = [];
  for await (const [key, text] of db.iterator<string, string>({ ...range, ...utf8 })) {
    if (!isExpiredText(text, now)) continue;
    expired.push(key);
    if (expired.length >= batchSize) {
      await deleteStillExpired(db, expired, now, write);
      expired = [];
    }
  }
  if (expired.length > 0) await deleteStillExpired(db, expired, now, write);
}

/** Deletes the given keys that are still expired (an entry rewritten meanwhile is kept). */
async function deleteStillExpired(
  db: Database,
  keys: string[],
  now: number,
  write: BatchWrite,
): Promise<void> {
  const current = await db.getMany<string, string>(keys, utf8);
  const operations: WriteOperation[] = [];
  for (const [index, text] of current.entries()) {
    if (text !== undefined && isExpiredText(text, now)) {
      operations.push({ type: "del", key: keys[index] as string });
    }
  }
  if (operations.length > 0) await write(operations);
}

import { DeserializationError, type ManagedEntry, type Value } from "@kv/protocol";
import type { DeletedRow, PutRow, Row, Statements } from "./statements.ts";

/** Rows of live entries for `(collection, key)` pairs, in order: one statement per collection. */
export function readRows(
  statements: Statements,
  pairs: readonly (readonly [string, string])[],
  now: number,
): (Row | undefined)[] {
  const byCollection = new Map<string, Map<string, Row>>();
  for (const [collection] of pairs) byCollection.set(collection, new Map());
  for (const [collection, found] of byCollection) {
    const keys = pairs.flatMap(([named, key]) => (named === collection ? [key] : []));
    for (const row of statements.getMany.all(collection, JSON.stringify(keys), now)) {
      found.set(row.key, row);
    }
  }
  return pairs.map(([collection, key]) => byCollection.get(collection)?.get(key));
}

/** The row written for an entry: key, value JSON, created_at, expires_at. */
export function toRow(key: string, entry: ManagedEntry): PutRow {
  return [key, JSON.stringify(entry.value), entry.createdAt ?? null, entry.expiresAt ?? null];
}

/** The entry a row holds.
 * @throws DeserializationError when its value is not a JSON object
 */
export function toEntry(row: Row, collection: string): ManagedEntry {
  let value: unknown;
  try {
    value = JSON.parse(row.value);
  } catch (error) {
    throw new DeserializationError({
      message: "Stored value is not valid JSON",
      cause: error,
      collection,
      key: row.key,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DeserializationError({
      message: "Stored value is not a JSON object",
      collection,
      key: row.key,
    });
  }
  return {
    value: value as Value,
    createdAt: row.created_at ?? undefined,
    expiresAt: row.expires_at ?? undefined,
  };
}

/** How many of the deleted rows were live at `now`. */
export function countLive(rows: readonly DeletedRow[], now: number): number {
  return rows.filter((row) => row.expires_at === null || row.expires_at > now).length;
}

/** Locked or busy (another connection holds the lock), or used after the connection closed. */
export function isTransient(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string")
    return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
  return error instanceof TypeError && message === "The database connection is not open";
}

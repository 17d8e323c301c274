import { DeserializationError, type ManagedEntry, type Value } from "@kv/protocol";

/** One stored row, as read back. Timestamps are epoch milliseconds. */
export interface Row {
  key: string;
  value: string;
  created_at: number | null;
  expires_at: number | null;
}

/** A stored row with its revision (the version token of the atomic operations). */
export interface VersionedRow extends Row {
  revision: number;
}

/** What a delete returns for each row it removed. */
export interface DeletedRow {
  expires_at: number | null;
}

/** One row to write: key, value JSON, created_at, expires_at. */
export type PutRow = readonly [string, string, number | null, number | null];

/** The row written for an entry. */
export function toRow(key: string, entry: ManagedEntry): PutRow {
  return [key, JSON.stringify(entry.value), entry.createdAt ?? null, entry.expiresAt ?? null];
}

/**
 * The entry a row holds.
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

/**
 * The revision a version token names, bound as an integer; -1 (no row has it) for a token this
 * store never gave out.
 */
export function revisionOf(version: string): bigint {
  const revision = Number(version);
  const valid = Number.isSafeInteger(revision) && String(revision) === version;
  return BigInt(valid ? revision : -1);
}

/** SQLite's answer when another connection holds the lock (`SQLITE_BUSY`, `SQLITE_LOCKED` ...). */
export function isLockError(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return (
    typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
  );
}

import { DeserializationError, type ManagedEntry, type Value } from "@kv/protocol";
import type { PutRow, Row } from "./statements.ts";

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
export function countLive(rows: readonly { expires_at: number | null }[], now: number): number {
  return rows.filter((row) => row.expires_at === null || row.expires_at > now).length;
}

/** Locked or busy: another connection holds the lock. */
export function isTransient(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return (
    typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
  );
}

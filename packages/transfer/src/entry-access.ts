import type { CollectionOptions, KeyValue, ManagedEntry } from "@kv/protocol";

/**
 * Reading and writing whole managed entries, timestamps included: the optional capability a
 * copy needs to keep each entry's `createdAt` and exact `expiresAt`. Not yet part of
 * `@kv/protocol` (no store offers it today); a store or wrapper that implements both methods
 * is copied with its timestamps.
 */
export interface EntryAccess {
  /**
   * Reads the live entries of `keys`, in order: `undefined` for a missing or expired key.
   * @throws InvalidKeyError, StoreError, DeserializationError
   */
  readEntries(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(ManagedEntry | undefined)[]>;
  /**
   * Writes entries as given (value, `createdAt`, absolute `expiresAt`), replacing existing ones.
   * @throws InvalidKeyError, SerializationError (nothing is written), StoreError
   */
  writeEntries(
    entries: readonly (readonly [key: string, entry: ManagedEntry])[],
    options?: CollectionOptions,
  ): Promise<void>;
}

/** True when the store reads and writes whole managed entries (`EntryAccess`). */
export function supportsEntries<S extends KeyValue>(store: S): store is S & EntryAccess {
  const record = store as unknown as Record<string, unknown>;
  return typeof record.readEntries === "function" && typeof record.writeEntries === "function";
}

import {
  DeserializationError,
  InvalidKeyError,
  type ManagedEntry,
  type Operation,
  SerializationError,
  type Value,
} from "@kv/protocol";

/** An entry as the store reads it: the value's JSON text and the timestamps in epoch ms. */
export interface EntryRow {
  v: string;
  c: number | null;
  e: number | null;
}

/** An entry as the store writes it: value JSON, ttl (seconds), created_at, expires_at (epoch ms). */
export type EntryParameters = [string, number | null, number | null, number | null];

/** Reads a row's entry. @throws DeserializationError when the value is not a JSON object */
export function toEntry(row: EntryRow, collection: string, key?: string): ManagedEntry {
  let value: unknown;
  try {
    value = JSON.parse(row.v);
  } catch (cause) {
    throw new DeserializationError({ collection, key, cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DeserializationError({
      collection,
      key,
      message: "The stored value is not a JSON object",
    });
  }
  return { value: value as Value, createdAt: row.c ?? undefined, expiresAt: row.e ?? undefined };
}

/**
 * The parameters that write an entry under `context.key`; `ttl` is the seconds it had to live
 * when written, as py-key-value records it.
 * @throws InvalidKeyError when the key, SerializationError when the value holds the character
 * U+0000, which `text` and `jsonb` refuse
 */
export function toParameters(
  entry: ManagedEntry,
  now: number,
  context: { operation: Operation; collection: string; key: string },
): EntryParameters {
  checkName(context.key, "Key", context);
  const json = JSON.stringify(entry.value);
  if (json.includes("\\u0000")) {
    throw new SerializationError({
      ...context,
      message: "PostgreSQL's jsonb cannot hold the character U+0000",
    });
  }
  return [
    json,
    ttlOf(entry.expiresAt, entry.createdAt ?? now),
    entry.createdAt ?? null,
    entry.expiresAt ?? null,
  ];
}

/**
 * The parameters of a `putMany` (`alike`: of a `putManyAlike`, when every entry shares its times,
 * as those of one `putMany` call do, and the times go as one value each): the collection, then a
 * column per field, rows in key order, so two writers of overlapping batches lock their rows in
 * the same order.
 * @throws InvalidKeyError or SerializationError as `toParameters`
 */
export function toColumns(
  collection: string,
  entries: readonly (readonly [string, ManagedEntry])[],
  now: number,
): { alike: boolean; values: unknown[] } {
  const keys: string[] = [];
  const values: string[] = [];
  const ttls: (number | null)[] = [];
  const created: (number | null)[] = [];
  const expires: (number | null)[] = [];
  let alike = true;
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, entry] of sorted) {
    const context = { operation: "putMany", collection, key } as const;
    const [json, ttl, createdAt, expiresAt] = toParameters(entry, now, context);
    alike &&= keys.length === 0 || (createdAt === created[0] && expiresAt === expires[0]);
    keys.push(key);
    values.push(json);
    ttls.push(ttl);
    created.push(createdAt);
    expires.push(expiresAt);
  }
  return alike
    ? { alike, values: [collection, keys, values, ttls[0], created[0], expires[0]] }
    : { alike, values: [collection, keys, values, ttls, created, expires] };
}

/** The seconds from `from` to `expiresAt`, or null for no expiry. */
export function ttlOf(expiresAt: number | undefined, from: number): number | null {
  return expiresAt === undefined ? null : (expiresAt - from) / 1000;
}

/**
 * Refuses a key or collection name PostgreSQL's `text` cannot hold (one with U+0000).
 * @throws InvalidKeyError
 */
export function checkName(name: string, what: "Key" | "Collection name", context: object): void {
  if (name.includes("\0")) {
    throw new InvalidKeyError({
      ...context,
      message: `${what} contains the character U+0000, which PostgreSQL's text cannot hold`,
    });
  }
}

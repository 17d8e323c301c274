import { deserializeEntry, fromEntryDocument, type ManagedEntry } from "@kv/protocol";

/**
 * The adapter key of an entry: `<collection>::<key>`, py-key-value's compound key, with `%` and
 * `:` percent-escaped in the collection so the first `:` always ends it (no two pairs meet).
 */
export function compoundKey(collection: string, key: string): string {
  return `${collectionPrefix(collection)}${key}`;
}

/** The start of every adapter key of one collection. */
export function collectionPrefix(collection: string): string {
  return `${collection.replaceAll("%", "%25").replaceAll(":", "%3A")}::`;
}

/** The collection and key of an adapter key, or `undefined` when it is not one of ours. */
export function splitCompoundKey(compound: string): [collection: string, key: string] | undefined {
  const end = compound.indexOf(":");
  if (end <= 0 || compound[end + 1] !== ":" || compound.length === end + 2) return undefined;
  const collection = compound.slice(0, end);
  if (/%(?!25|3A)/.test(collection)) return undefined;
  return [collection.replaceAll("%3A", ":").replaceAll("%25", "%"), compound.slice(end + 2)];
}

/**
 * The entry an adapter returned: the JSON text of an entry document (what this store writes), or
 * the document itself (an adapter that keeps objects). `undefined` for nothing.
 * @throws DeserializationError when it is neither
 */
export function readEntry(stored: unknown): ManagedEntry | undefined {
  if (stored === undefined || stored === null) return undefined;
  return typeof stored === "string" ? deserializeEntry(stored) : fromEntryDocument(stored);
}

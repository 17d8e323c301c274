import {
  DeserializationError,
  deserializeEntry,
  fromEntryDocument,
  type ManagedEntry,
  serializeEntry,
} from "@kv/protocol";
import type { Location } from "./layout.ts";

/** The JSON document of an entry, as py-key-value stores it, naming its collection and key. */
export function encodeEntry(entry: ManagedEntry, collection: string, key: string): string {
  return serializeEntry(entry, { collection, key });
}

/**
 * The entry held by an item's data. At a digest location the document must not name another
 * collection or key (a digest collision reads as a missing entry, never as another key's value);
 * documents without those fields (py-key-value's) are taken as they are.
 * @returns the entry, or `undefined` for another pair's entry at the same digest
 * @throws DeserializationError when the data is not an entry document
 */
export function decodeEntry(
  data: unknown,
  location: Location,
  collection: string,
  key: string,
): ManagedEntry | undefined {
  const text = typeof data === "string" ? data : Buffer.isBuffer(data) ? data.toString() : data;
  if (typeof text !== "string") {
    throw new DeserializationError({
      message:
        "The item's data is not text (it was written with a memcached flag for another type)",
      collection,
      key,
    });
  }
  if (!location.hashed) return deserializeEntry(text);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
  const named = document as { collection?: unknown; key?: unknown } | null;
  if (
    (named?.collection !== undefined && named.collection !== collection) ||
    (named?.key !== undefined && named.key !== key)
  ) {
    return undefined;
  }
  return fromEntryDocument(document);
}

import {
  DeserializationError,
  type ManagedEntry,
  parseTimestamp,
  serializeEntry,
  type Value,
} from "@kv/protocol";
import type { Location } from "./layout.ts";

/** The JSON document of an entry, as py-key-value stores it, naming its collection and key. */
export function encodeEntry(entry: ManagedEntry, collection: string, key: string): string {
  return serializeEntry(entry, { collection, key });
}

/** A read entry whose `createdAt` is parsed only if someone asks: reads never need it. */
class StoredEntry implements ManagedEntry {
  readonly value: Value;
  readonly expiresAt: number | undefined;
  private readonly created: unknown;

  constructor(value: Value, created: unknown, expiresAt: number | undefined) {
    this.value = value;
    this.created = created;
    this.expiresAt = expiresAt;
  }

  get createdAt(): number | undefined {
    return this.created === undefined || this.created === null
      ? undefined
      : parseTimestamp(this.created);
  }
}

/**
 * The entry held by an item's data, read as `deserializeEntry` of `@kv/protocol` reads it (py-key-value's
 * documents included), with `created_at` parsed only when asked for. At a digest location the
 * document must not name another collection or key: a digest collision reads as a missing entry,
 * never as another key's value. Documents without those fields (py-key-value's) are taken as they are.
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
  const document = parseJson(text);
  if (!isRecord(document)) {
    throw new DeserializationError({ message: "Entry document is not an object" });
  }
  if (
    location.hashed &&
    ((document.collection !== undefined && document.collection !== collection) ||
      (document.key !== undefined && document.key !== key))
  ) {
    return undefined;
  }
  const value = typeof document.value === "string" ? parseJson(document.value) : document.value;
  if (!isRecord(value)) {
    throw new DeserializationError({ message: "Entry value is not a JSON object" });
  }
  const expires = document.expires_at;
  const expiresAt = expires === undefined || expires === null ? undefined : parseTimestamp(expires);
  return new StoredEntry(value, document.created_at, expiresAt);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
}

function isRecord(input: unknown): input is Value {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

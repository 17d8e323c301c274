import { createHash } from "node:crypto";
import type { estypes } from "@elastic/elasticsearch";
import {
  formatTimestamp,
  fromEntryDocument,
  InvalidKeyError,
  type ManagedEntry,
  type Operation,
  type Value,
} from "@kv/protocol";

/** Elasticsearch's limit on an index name, in bytes. */
const MAX_INDEX_NAME_BYTES = 255;
/** Elasticsearch's limit on a document `_id`, in bytes. */
const MAX_ID_BYTES = 512;
/** Starts every hashed document id; keys starting with it are hashed too, so ids never meet. */
const HASHED_ID_PREFIX = "#sha256:";
/** Separates a hashed index name's readable part from its hash; never part of a reversible name. */
const HASH_SEPARATOR = "~";
/** Characters of a collection name kept as they are in its index name (py-key-value's own names). */
const LITERAL = /^[a-z0-9_.-]$/;

/** The longest collection name the store accepts: the `collection` keyword must stay indexable. */
export const MAX_COLLECTION_LENGTH = 8191;
/** The longest index prefix, leaving room for the collection part of the name. */
export const MAX_PREFIX_LENGTH = 100;
/** What an index prefix may look like: a valid start of an index name, in lowercase. */
export const PREFIX_PATTERN: RegExp = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * The mapping of the indices the store creates: py-key-value's fields, except that `value` is
 * kept in `_source` only (`enabled: false`), so no value can add fields, hit the flattened type's
 * depth limit or produce an over-long term; and unknown top-level fields are not mapped.
 */
export const INDEX_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    version: { type: "integer" },
    key: { type: "keyword", ignore_above: 8191 },
    collection: { type: "keyword" },
    value: { type: "object", enabled: false },
    created_at: { type: "date" },
    expires_at: { type: "date" },
  },
};

/** An entry as stored in Elasticsearch, in py-key-value's shape. */
export interface EntrySource {
  version: 1;
  key: string;
  collection: string;
  value: { flattened: Value };
  created_at?: string;
  expires_at?: string;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The index of a collection: `<prefix>-<name>`. Names made only of lowercase letters, digits, `_`,
 * `.` and `-` are kept as they are (as py-key-value names them); every other UTF-8 byte is written
 * `+xx` in hex, which makes the name reversible. A name too long for Elasticsearch's 255 bytes is
 * cut and followed by `~` and the SHA-256 of the collection name.
 */
export function indexName(prefix: string, collection: string): string {
  let encoded = "";
  for (const byte of Buffer.from(collection, "utf8")) {
    const char = String.fromCharCode(byte);
    encoded += LITERAL.test(char) ? char : `+${byte.toString(16).padStart(2, "0")}`;
  }
  const name = `${prefix}-${encoded}`;
  if (name.length <= MAX_INDEX_NAME_BYTES) return name;
  const hash = sha256(collection);
  return `${name.slice(0, MAX_INDEX_NAME_BYTES - hash.length - 1)}${HASH_SEPARATOR}${hash}`;
}

/** The pattern matching every index of a prefix. */
export function indexPattern(prefix: string): string {
  return `${prefix}-*`;
}

/**
 * The document id of a key: the key itself (as py-key-value does) when it fits Elasticsearch's
 * 512-byte limit, otherwise `#sha256:` and its SHA-256 in hex. Keys that start with `#sha256:`
 * are hashed too, so a key can never take a hashed key's id.
 */
export function documentId(key: string): string {
  if (!key.startsWith(HASHED_ID_PREFIX) && Buffer.byteLength(key, "utf8") <= MAX_ID_BYTES) {
    return key;
  }
  return HASHED_ID_PREFIX + sha256(key);
}

/** The document stored for an entry. */
export function toSource(collection: string, key: string, entry: ManagedEntry): EntrySource {
  const source: EntrySource = { version: 1, key, collection, value: { flattened: entry.value } };
  if (entry.createdAt !== undefined) source.created_at = formatTimestamp(entry.createdAt);
  if (entry.expiresAt !== undefined) source.expires_at = formatTimestamp(entry.expiresAt);
  return source;
}

/**
 * Reads a stored document: py-key-value 0.3+ shape (`value.flattened`), or its earlier shape
 * (`value` as a JSON string).
 * @throws DeserializationError when the document is not an entry
 */
export function fromSource(source: unknown): ManagedEntry {
  if (isRecord(source) && isRecord(source.value) && "flattened" in source.value) {
    return fromEntryDocument({ ...source, value: source.value.flattened });
  }
  return fromEntryDocument(source);
}

/** The key a search hit stands for: the `key` field, or the id when a document lacks it. */
export function keyOfHit(hit: estypes.SearchHit<unknown>): string | undefined {
  const source = hit._source;
  if (isRecord(source) && typeof source.key === "string") return source.key;
  return hit._id;
}

/** True for a plain JSON object (not an array). */
export function isRecord(input: unknown): input is Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

/**
 * Refuses a collection name longer than `MAX_COLLECTION_LENGTH`.
 * @throws InvalidKeyError
 */
export function checkCollectionLength(collection: string, operation: Operation | undefined): void {
  if (collection.length <= MAX_COLLECTION_LENGTH) return;
  throw new InvalidKeyError({
    message: `Collection name longer than ${MAX_COLLECTION_LENGTH} characters`,
    operation,
    collection,
  });
}

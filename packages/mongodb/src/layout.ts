import {
  DeserializationError,
  type ErrorContext,
  fromEntryDocument,
  type ManagedEntry,
} from "@kv/protocol";
import { BSON, type Document, type IndexDescription, Long } from "mongodb";
import { DocumentTooLargeError } from "./errors.ts";

/** MongoDB's largest document (`maxBsonObjectSize`). */
export const MAX_DOCUMENT_BYTES: number = 16 * 1024 * 1024;

/** py-key-value's two indexes; `key_1` is unique here, so concurrent upserts never duplicate a key. */
export const INDEXES: IndexDescription[] = [
  { key: { key: 1 }, name: "key_1", unique: true },
  { key: { expires_at: 1 }, name: "expires_at_1", expireAfterSeconds: 0 },
];

/** The fields a read needs. */
export const ENTRY_PROJECTION: Document = { _id: 0, value: 1, created_at: 1, expires_at: 1 };

/**
 * The document of one entry in py-key-value's layout: `key`, `collection`, `version`,
 * `value.object` (the value as JSON text) and `Date` timestamps; `expires_at` only when it expires.
 * @throws DocumentTooLargeError when it would exceed MongoDB's 16 MiB limit
 */
export function toDocument(
  collection: string,
  key: string,
  entry: ManagedEntry,
  context: ErrorContext,
): Document {
  const document = envelope(collection, key, { object: JSON.stringify(entry.value) }, entry);
  const size = BSON.calculateObjectSize(document);
  if (size > MAX_DOCUMENT_BYTES) {
    throw new DocumentTooLargeError({ ...context, size, limit: MAX_DOCUMENT_BYTES });
  }
  return document;
}

/**
 * The document of a counter: the count as a native int64 in `value.object` (`{ count: n }`), which
 * `$inc` adds to and py-key-value reads as its own native layout.
 */
export function counterDocument(
  collection: string,
  key: string,
  count: number,
  timestamps: Pick<ManagedEntry, "createdAt" | "expiresAt">,
): Document {
  return envelope(collection, key, { object: { count: Long.fromNumber(count) } }, timestamps);
}

function envelope(
  collection: string,
  key: string,
  value: Document,
  { createdAt, expiresAt }: Pick<ManagedEntry, "createdAt" | "expiresAt">,
): Document {
  const document: Document = { key, collection, version: 1, value };
  if (createdAt !== undefined) document.created_at = new Date(createdAt);
  if (expiresAt !== undefined) document.expires_at = new Date(expiresAt);
  return document;
}

/**
 * Reads an entry from its document: `value.object` as JSON text or a native document (what
 * py-key-value writes), or `value.string` (older py-key-value); `Date` or ISO timestamps.
 * @throws DeserializationError when the document holds no readable value
 */
export function fromDocument(document: Document): ManagedEntry {
  const { value } = document;
  let inner: unknown;
  if (typeof value === "string") inner = value;
  else if (typeof value === "object" && value !== null && "object" in value) inner = value.object;
  else if (typeof value?.string === "string") inner = value.string;
  else throw new DeserializationError({ message: "Entry document has no value.object field" });
  return fromEntryDocument({
    value: inner,
    created_at: document.created_at,
    expires_at: document.expires_at,
  });
}

/** Matches documents that have not expired at `now` (epoch ms); no `expires_at` never expires. */
export function liveAt(now: number): Document {
  return { $or: [{ expires_at: null }, { expires_at: { $gt: new Date(now) } }] };
}

/** True when a collection's indexes are the layout's: one on `key` and a TTL index on `expires_at`. */
export function hasLayoutIndexes(indexes: readonly Document[]): boolean {
  const onKey = indexes.some((index) => sameKeys(index.key, "key"));
  const ttl = indexes.some(
    (index) => sameKeys(index.key, "expires_at") && typeof index.expireAfterSeconds === "number",
  );
  return onKey && ttl;
}

/** True when one of the indexes is a unique index on `key` alone. */
export function hasUniqueKeyIndex(indexes: readonly Document[]): boolean {
  return indexes.some((index) => sameKeys(index.key, "key") && index.unique === true);
}

function sameKeys(spec: unknown, field: string): boolean {
  if (typeof spec !== "object" || spec === null) return false;
  const fields = Object.keys(spec);
  return fields.length === 1 && fields[0] === field;
}

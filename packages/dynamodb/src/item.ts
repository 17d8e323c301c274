import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  DeserializationError,
  deserializeEntry,
  InvalidKeyError,
  isExpired,
  type ManagedEntry,
  type Operation,
  serializeEntry,
} from "@kv/protocol";
import { ItemTooLargeError } from "./errors.ts";

/** A DynamoDB item in the low-level attribute-value form. */
export type Item = Record<string, AttributeValue>;

/** DynamoDB's limit on the size of one item, in bytes. */
export const ITEM_SIZE_LIMIT: number = 400 * 1024;
/** DynamoDB's limit on a partition key value (the collection), in UTF-8 bytes. */
export const PARTITION_KEY_LIMIT = 2048;
/** DynamoDB's limit on a sort key value (the key), in UTF-8 bytes. */
export const SORT_KEY_LIMIT = 1024;

const utf8 = (text: string): number => Buffer.byteLength(text, "utf8");

/**
 * Refuses a collection name DynamoDB cannot hold as a partition key.
 * @throws InvalidKeyError
 */
export function checkCollection(collection: string, operation?: Operation): void {
  const bytes = utf8(collection);
  if (bytes > PARTITION_KEY_LIMIT) {
    throw new InvalidKeyError({
      collection,
      operation,
      message: `Collection name is ${bytes} bytes in UTF-8; DynamoDB partition keys hold at most ${PARTITION_KEY_LIMIT}`,
    });
  }
}

/**
 * Refuses a key DynamoDB cannot hold as a sort key.
 * @throws InvalidKeyError
 */
export function checkKey(collection: string, key: string): void {
  const bytes = utf8(key);
  if (bytes > SORT_KEY_LIMIT) {
    throw new InvalidKeyError({
      collection,
      key,
      message: `Key is ${bytes} bytes in UTF-8; DynamoDB sort keys hold at most ${SORT_KEY_LIMIT}`,
    });
  }
}

/** The primary key of an entry's item. */
export function primaryKey(collection: string, key: string): Item {
  return { collection: { S: collection }, key: { S: key } };
}

/**
 * The primary key of an entry's item, its key checked.
 * @throws InvalidKeyError
 */
export function checkedKey(collection: string, key: string): Item {
  checkKey(collection, key);
  return primaryKey(collection, key);
}

/**
 * This store's own attribute beside py-key-value's: `expires_at` in epoch milliseconds, so
 * conditions can tell whether an entry expired within the second its `ttl` names.
 */
export const EXPIRES_AT_MS = "kv_expires_at";
/** This store's own attribute holding the version token that conditional writes compare. */
export const VERSION = "kv_version";

/**
 * The item py-key-value writes for an entry: `collection`, `key`, the entry document as JSON in
 * `value`, and `ttl` (whole epoch seconds) for DynamoDB's native expiry; plus `kv_expires_at`
 * (epoch ms) when it expires, and `kv_version` when a version is given.
 * @throws InvalidKeyError, ItemTooLargeError
 */
export function toItem(
  collection: string,
  key: string,
  entry: ManagedEntry,
  version?: string,
): Item {
  checkKey(collection, key);
  const json = serializeEntry(entry, { collection, key });
  const item: Item = { ...primaryKey(collection, key), value: { S: json } };
  let size = "collection".length + utf8(collection) + "key".length + utf8(key);
  size += "value".length + utf8(json);
  if (entry.expiresAt !== undefined) {
    item.ttl = { N: String(Math.floor(entry.expiresAt / 1000)) };
    item[EXPIRES_AT_MS] = { N: String(entry.expiresAt) };
    size += numberSize("ttl", item.ttl.N) + numberSize(EXPIRES_AT_MS, item[EXPIRES_AT_MS].N);
  }
  if (version !== undefined) {
    item[VERSION] = { S: version };
    size += VERSION.length + version.length;
  }
  if (size > ITEM_SIZE_LIMIT) {
    throw new ItemTooLargeError({ collection, key, size, limit: ITEM_SIZE_LIMIT });
  }
  return item;
}

/** DynamoDB's size of a number attribute: its name, one byte per two digits, and one more. */
function numberSize(name: string, digits: string | undefined): number {
  return name.length + 2 + Math.ceil((digits?.length ?? 0) / 2);
}

/**
 * Reads an entry from its item. The expiry is the document's `expires_at`, or `kv_expires_at`
 * when it names the same second as `ttl` (after `touch`); when neither does, `ttl` wins, as in
 * py-key-value.
 * @throws DeserializationError
 */
export function fromItem(item: Item): ManagedEntry {
  const json = item.value?.S;
  if (json === undefined) {
    throw new DeserializationError({
      message: "Item has no string attribute `value`",
      collection: item.collection?.S,
      key: item.key?.S,
    });
  }
  const entry = deserializeEntry(json);
  const ttl = numberOf(item.ttl);
  if (ttl === undefined) return entry;
  const exact = numberOf(item[EXPIRES_AT_MS]);
  if (exact !== undefined && Math.floor(exact / 1000) === ttl) entry.expiresAt = exact;
  else if (entry.expiresAt === undefined || Math.floor(entry.expiresAt / 1000) !== ttl) {
    entry.expiresAt = ttl * 1000;
  }
  return entry;
}

function numberOf(attribute: AttributeValue | undefined): number | undefined {
  const number = attribute?.N === undefined ? Number.NaN : Number(attribute.N);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * The entry of an item (see `fromItem`), or `undefined` without an item.
 * @throws DeserializationError
 */
export function entryOf(item: Item | undefined): ManagedEntry | undefined {
  return item === undefined ? undefined : fromItem(item);
}

/** True unless the item holds an entry that expired by `now`; unreadable items count as live. */
export function isLive(item: Item, now: number): boolean {
  try {
    return !isExpired(fromItem(item), now);
  } catch {
    return true;
  }
}

/** The sort key of an item or key map. */
export function keyOf(item: Item): string {
  return item.key?.S ?? "";
}

import { randomBytes } from "node:crypto";
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { hasSdkErrorName } from "@kv/aws-core";
import {
  type AtomicEntry,
  type Clock,
  compareAndSwap,
  isExpired,
  type ManagedEntry,
  type StoredVersion,
  type SwapTarget,
} from "@kv/protocol";
import { readItem } from "./batch.ts";
import { checkedKey, EXPIRES_AT_MS, fromItem, type Item, toItem, VERSION } from "./item.ts";
import type { TableAccess } from "./table.ts";

/**
 * What a conditional write expects to find: the item's version token or, for an item without
 * one (written by `put` or py-key-value), its exact entry document.
 */
export type Expected = { version: string } | { document: string };

/** An entry as read, with what a conditional write must expect to replace exactly it. */
export interface ReadEntry {
  /** The entry, expired or not. */
  entry: ManagedEntry;
  /** The item's version token or document. */
  expected: Expected;
}

const NAMES: Readonly<Record<string, string>> = {
  "#k": "key",
  "#v": "value",
  "#t": "ttl",
  "#x": EXPIRES_AT_MS,
  "#ver": VERSION,
};

/**
 * No live entry: no item, or one whose `ttl` second is over, or within that second one whose
 * `kv_expires_at` is. An item without `kv_expires_at` (py-key-value's) counts as absent only
 * once its `ttl` second is over.
 */
const ABSENT = "attribute_not_exists(#k) OR #t < :sec OR (#t = :sec AND #x <= :now)";
/** A live entry: the converse of `ABSENT`, and as cautious with py-key-value's items. */
const LIVE =
  "attribute_exists(#k) AND (attribute_not_exists(#t) OR #t > :sec OR (#t = :sec AND #x > :now))";
const AT_VERSION = `#ver = :ver AND ${LIVE}`;
const AT_DOCUMENT = `attribute_not_exists(#ver) AND #v = :doc AND ${LIVE}`;
const EXISTS = "attribute_exists(#k)";
const GIVE_VERSION = "SET #ver = if_not_exists(#ver, :ver)";
const SET_EXPIRY = "SET #t = :t, #x = :x, #ver = :ver";

/** A fresh version token: 96 random bits. */
function newVersion(): string {
  return randomBytes(12).toString("base64url");
}

/** The attribute names the expressions use, and the values given. */
function parameters(
  expressions: readonly string[],
  values: Item,
): { ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Item } {
  const names: Record<string, string> = {};
  for (const name of expressions.join(" ").match(/#\w+/g) ?? []) names[name] = NAMES[name] ?? name;
  return { ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** `:now` (epoch ms) and `:sec` (its whole second) for the expiry conditions. */
function timeValues(now: number): Item {
  return { ":now": { N: String(now) }, ":sec": { N: String(Math.floor(now / 1000)) } };
}

function expecting(expected: Expected): { condition: string; values: Item } {
  return "version" in expected
    ? { condition: AT_VERSION, values: { ":ver": { S: expected.version } } }
    : { condition: AT_DOCUMENT, values: { ":doc": { S: expected.document } } };
}

/**
 * The atomic operations on one entry's item (the store's `atomicEntry`). Each write is one
 * `PutItem`, `UpdateItem` or `DeleteItem` whose `ConditionExpression` DynamoDB checks in the same
 * step as the write; a failed condition reads as `false`. A version is the item's `kv_version`.
 */
export class ItemEntry implements AtomicEntry {
  private readonly access: TableAccess;
  private readonly clock: Clock;
  private readonly collection: string;
  private readonly key: string;

  constructor(access: TableAccess, clock: Clock, collection: string, key: string) {
    this.access = access;
    this.clock = clock;
    this.collection = collection;
    this.key = key;
  }

  /**
   * Reads the entry with its version token. A live item without one (written by `put` or
   * py-key-value) first gets one, with an `UpdateItem` that sets it only where it is missing.
   */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const { collection, key } = this;
    const item = await readItem(this.access, collection, key, true);
    if (item === undefined) return undefined;
    const entry = fromItem(item);
    const version = item[VERSION]?.S;
    if (version !== undefined || isExpired(entry, this.clock.now())) {
      return { entry, version: version ?? "" };
    }
    const { client, tableName } = this.access;
    const given = await this.send(() =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: checkedKey(collection, key),
          UpdateExpression: GIVE_VERSION,
          ConditionExpression: EXISTS,
          ReturnValues: "ALL_NEW",
          ...parameters([GIVE_VERSION, EXISTS], { ":ver": { S: newVersion() } }),
        }),
      ),
    );
    const updated = given?.Attributes;
    return updated && { entry: fromItem(updated), version: updated[VERSION]?.S ?? "" };
  }

  /**
   * The item as the protocol's `compareAndSwap` reads and writes it: a consistent read, then
   * `insert` where no live entry was read, otherwise a replace of the one read.
   */
  swapTarget(): SwapTarget<ReadEntry, ManagedEntry> {
    return {
      collection: this.collection,
      key: this.key,
      clock: this.clock,
      read: () => this.read(),
      write: (entry, _stored, live) =>
        live === undefined ? this.insert(entry) : this.replace(entry, live.expected),
    };
  }

  /** Writes the entry where no live entry exists (`PutItem` on `ABSENT`). */
  insert(entry: ManagedEntry): Promise<boolean> {
    return this.put(toItem(this.collection, this.key, entry, newVersion()), ABSENT, {});
  }

  /** Writes the entry over a live one that still has `version` (`PutItem`). */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    return this.replace(entry, { version });
  }

  /** Deletes a live entry that still has `version` (`DeleteItem`). */
  async removeVersioned(version: string): Promise<boolean> {
    if (version === "") return false;
    const { condition, values } = expecting({ version });
    const { client, tableName } = this.access;
    const deleted = await this.send(() =>
      client.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: checkedKey(this.collection, this.key),
          ConditionExpression: condition,
          ...parameters([condition], { ...values, ...timeValues(this.clock.now()) }),
        }),
      ),
    );
    return deleted !== undefined;
  }

  /**
   * Gives a live entry a new expiry. With one, an `UpdateItem` sets `ttl` and `kv_expires_at`
   * (py-key-value reads `ttl` before the document). Never expiring means rewriting the document
   * without `expires_at`: a compare-and-set of the whole item, repeated when another write won.
   * @throws UpdateConflictError when other writes kept winning until the retry deadline
   */
  async touch(expiresAt: number | undefined): Promise<boolean> {
    if (expiresAt !== undefined) return this.setExpiry(expiresAt);
    return compareAndSwap(
      this.swapTarget(),
      "touch",
      (live) => {
        if (live === undefined) return { result: false };
        if (live.entry.expiresAt === undefined) return { result: true };
        return { write: { ...live.entry, expiresAt: undefined }, result: true };
      },
      this.access.retrier.conflictPacing(),
    );
  }

  /** Reads the entry with what a conditional write must expect to replace it. */
  private async read(): Promise<ReadEntry | undefined> {
    const item = await readItem(this.access, this.collection, this.key, true);
    if (item === undefined) return undefined;
    const entry = fromItem(item);
    const version = item[VERSION]?.S;
    const expected = version === undefined ? { document: item.value?.S ?? "" } : { version };
    return { entry, expected };
  }

  /** Writes the entry over a live one that is still as expected (`PutItem`). */
  private replace(entry: ManagedEntry, expected: Expected): Promise<boolean> {
    if ("version" in expected && expected.version === "") return Promise.resolve(false);
    const { condition, values } = expecting(expected);
    return this.put(toItem(this.collection, this.key, entry, newVersion()), condition, values);
  }

  private async setExpiry(expiresAt: number): Promise<boolean> {
    const { client, tableName } = this.access;
    const values: Item = {
      ...timeValues(this.clock.now()),
      ":t": { N: String(Math.floor(expiresAt / 1000)) },
      ":x": { N: String(expiresAt) },
      ":ver": { S: newVersion() },
    };
    const updated = await this.send(() =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: checkedKey(this.collection, this.key),
          UpdateExpression: SET_EXPIRY,
          ConditionExpression: LIVE,
          ...parameters([SET_EXPIRY, LIVE], values),
        }),
      ),
    );
    return updated !== undefined;
  }

  private async put(item: Item, condition: string, values: Item): Promise<boolean> {
    const { client, tableName } = this.access;
    const written = await this.send(() =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: condition,
          ...parameters([condition], { ...values, ...timeValues(this.clock.now()) }),
        }),
      ),
    );
    return written !== undefined;
  }

  /** Sends a conditional request: its answer, or `undefined` when its condition failed. */
  private async send<T>(request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.access.retrier.call(request);
    } catch (error) {
      if (hasSdkErrorName(error, "ConditionalCheckFailedException")) return undefined;
      throw error;
    }
  }
}

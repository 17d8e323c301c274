import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  GetItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { type ErrorContext, mapBounded } from "@kv/protocol";
import { UnprocessedItemsError } from "./errors.ts";
import { checkedKey, checkKey, type Item, isLive, keyOf, primaryKey } from "./item.ts";
import { chunk } from "./retry.ts";
import type { TableAccess } from "./table.ts";

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/**
 * Reads one item with `GetItem`.
 * @throws InvalidKeyError, or the SDK's error
 */
export async function readItem(
  access: TableAccess,
  collection: string,
  key: string,
  consistentRead: boolean,
): Promise<Item | undefined> {
  const { client, tableName, retrier } = access;
  const { Item: item } = await retrier.call(() =>
    client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: checkedKey(collection, key),
        ConsistentRead: consistentRead,
      }),
    ),
  );
  return item;
}

/**
 * Reads the items of distinct keys with `BatchGetItem`, 100 keys a request.
 * @throws InvalidKeyError, UnprocessedItemsError, or the SDK's error
 */
export async function readItems(
  access: TableAccess,
  collection: string,
  keys: readonly string[],
  context: ErrorContext,
): Promise<Map<string, Item>> {
  for (const key of keys) checkKey(collection, key);
  const { client, tableName, consistentRead } = access;
  const found = new Map<string, Item>();
  const send = async (batch: Item[]): Promise<Item[]> => {
    const { Responses, UnprocessedKeys } = await client.send(
      new BatchGetItemCommand({
        RequestItems: { [tableName]: { Keys: batch, ConsistentRead: consistentRead } },
      }),
    );
    for (const item of Responses?.[tableName] ?? []) found.set(keyOf(item), item);
    return UnprocessedKeys?.[tableName]?.Keys ?? [];
  };
  const requests = keys.map((key) => primaryKey(collection, key));
  await sendBatches(access, requests, BATCH_GET_LIMIT, send, keyOf, context);
  return found;
}

/**
 * Puts or deletes items with `BatchWriteItem`, 25 requests at a time.
 * @throws UnprocessedItemsError, or the SDK's error
 */
export async function writeItems(
  access: TableAccess,
  requests: WriteRequest[],
  context: ErrorContext,
): Promise<void> {
  const { client, tableName } = access;
  const send = async (batch: WriteRequest[]): Promise<WriteRequest[]> => {
    const { UnprocessedItems } = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [tableName]: batch } }),
    );
    return UnprocessedItems?.[tableName] ?? [];
  };
  const keyOfRequest = (request: WriteRequest) =>
    keyOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {});
  await sendBatches(access, requests, BATCH_WRITE_LIMIT, send, keyOfRequest, context);
}

/**
 * Deletes keys of one collection with `BatchGetItem` then `BatchWriteItem`.
 * @returns how many of them held a live entry
 * @throws InvalidKeyError, UnprocessedItemsError, or the SDK's error
 */
export async function deleteCountingLive(
  access: TableAccess,
  collection: string,
  keys: readonly string[],
  now: number,
): Promise<number> {
  const context = { operation: "deleteMany", collection } as const;
  const items = await readItems(access, collection, keys, context);
  let live = 0;
  for (const item of items.values()) if (isLive(item, now)) live++;
  await writeItems(access, deletions(collection, items.keys()), context);
  return live;
}

/** The delete requests for keys of one collection. */
export function deletions(collection: string, keys: Iterable<string>): WriteRequest[] {
  return Array.from(keys, (key) => ({ DeleteRequest: { Key: primaryKey(collection, key) } }));
}

/**
 * Sends requests in chunks of `size`, at most `maxConcurrency` at once, retrying what the server
 * leaves unprocessed until the deadline.
 * @throws UnprocessedItemsError naming the keys still unprocessed at the deadline
 */
async function sendBatches<T>(
  access: TableAccess,
  requests: readonly T[],
  size: number,
  send: (batch: T[]) => Promise<T[]>,
  keyOfRequest: (request: T) => string,
  context: ErrorContext,
): Promise<void> {
  if (requests.length === 0) return;
  const { retrier, maxConcurrency } = access;
  const deadline = retrier.deadline();
  const left = await mapBounded(chunk(requests, size), maxConcurrency, (batch) =>
    retrier.drain(batch, send, deadline),
  );
  const unprocessedKeys = left.flat().map(keyOfRequest);
  if (unprocessedKeys.length > 0) {
    throw new UnprocessedItemsError({ ...context, key: unprocessedKeys[0], unprocessedKeys });
  }
}

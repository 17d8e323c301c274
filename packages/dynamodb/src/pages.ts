import { QueryCommand, ScanCommand, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { deletions, writeItems } from "./batch.ts";
import { type Item, keyOf } from "./item.ts";
import type { TableAccess } from "./table.ts";

/**
 * Pages through a collection's keys with `Query`, following `LastEvaluatedKey`. With `liveOnly`,
 * the server drops items whose `ttl` second is over (so certainly expired) at `now()`.
 */
export async function* keyPages(
  access: TableAccess,
  collection: string,
  liveOnly: boolean,
  now: () => number,
): AsyncGenerator<string[]> {
  const { client, tableName, retrier, consistentRead } = access;
  let start: Item | undefined;
  do {
    const second = { N: String(Math.floor(now() / 1000)) };
    const page = await retrier.call(() =>
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "#c = :c",
          ProjectionExpression: "#k",
          ConsistentRead: consistentRead,
          ExclusiveStartKey: start,
          ...(liveOnly
            ? {
                FilterExpression: "attribute_not_exists(#t) OR #t >= :now",
                ExpressionAttributeNames: { "#c": "collection", "#k": "key", "#t": "ttl" },
                ExpressionAttributeValues: { ":c": { S: collection }, ":now": second },
              }
            : {
                ExpressionAttributeNames: { "#c": "collection", "#k": "key" },
                ExpressionAttributeValues: { ":c": { S: collection } },
              }),
        }),
      ),
    );
    yield (page.Items ?? []).map(keyOf);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/**
 * Pages through the primary keys of every entry in the table (every item with a `value`
 * attribute) with `Scan`, following `LastEvaluatedKey`.
 */
export async function* entryKeyPages(access: TableAccess): AsyncGenerator<Item[]> {
  const { client, tableName, retrier, consistentRead } = access;
  let start: Item | undefined;
  do {
    const page = await retrier.call(() =>
      client.send(
        new ScanCommand({
          TableName: tableName,
          ProjectionExpression: "#c, #k",
          FilterExpression: "attribute_exists(#v)",
          ExpressionAttributeNames: { "#c": "collection", "#k": "key", "#v": "value" },
          ConsistentRead: consistentRead,
          ExclusiveStartKey: start,
        }),
      ),
    );
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/**
 * Removes every item of a collection (expired ones too), a page of keys at a time.
 * @returns `true` when the collection held any.
 * @throws UnprocessedItemsError, or the SDK's error
 */
export async function deleteCollection(
  access: TableAccess,
  collection: string,
  now: () => number,
): Promise<boolean> {
  const context = { operation: "destroyCollection", collection } as const;
  let found = false;
  for await (const keys of keyPages(access, collection, false, now)) {
    found ||= keys.length > 0;
    await writeItems(access, deletions(collection, keys), context);
  }
  return found;
}

/**
 * Deletes every entry of the table (every item with a `value`), a `Scan` page at a time.
 * @returns `true` when there were any.
 * @throws UnprocessedItemsError, or the SDK's error
 */
export async function deleteAllEntries(access: TableAccess): Promise<boolean> {
  let found = false;
  for await (const keys of entryKeyPages(access)) {
    const requests = keys.map((key): WriteRequest => ({ DeleteRequest: { Key: key } }));
    found ||= requests.length > 0;
    await writeItems(access, requests, { operation: "destroy" });
  }
  return found;
}

import { QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
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

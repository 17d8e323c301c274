import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import { hasSdkErrorName } from "@kv/aws-core";
import { messageOf, StoreSetupError } from "@kv/protocol";
import type { Retrier } from "./retry.ts";

/** How a store reaches its table: the client, the table, and how to read, batch and retry. */
export interface TableAccess {
  /** The client to send with. */
  client: DynamoDBClient;
  /** The table's name. */
  tableName: string;
  /** Retries throttled requests. */
  retrier: Retrier;
  /** How long to wait for the table to become ACTIVE or to disappear. */
  readyTimeoutMs: number;
  /** Whether reads are strongly consistent. */
  consistentRead: boolean;
  /** The most batch requests one bulk call keeps in flight. */
  maxConcurrency: number;
}

/**
 * Checks that the table exists with py-key-value's key schema. With `manage`, creates a missing
 * table (on-demand billing), waits until it is ACTIVE, and enables native expiry on `ttl`.
 * @throws StoreSetupError, or the SDK's error
 */
export async function prepareTable(access: TableAccess, manage: boolean): Promise<void> {
  let table: TableDescription | undefined;
  try {
    table = await describe(access);
  } catch (error) {
    if (!hasSdkErrorName(error, "ResourceNotFoundException")) throw error;
    if (!manage) {
      throw new StoreSetupError({
        message: `Table ${access.tableName} does not exist and createTable is false`,
        cause: error,
        operation: "setup",
      });
    }
    table = await create(access);
  }
  checkSchema(access.tableName, table);
  if (manage) await enableExpiry(access);
}

/**
 * Deletes the table and waits until it is gone.
 * @returns `false` when there was no table.
 * @throws StoreSetupError when it does not disappear in time, or the SDK's error
 */
export async function dropTable(access: TableAccess): Promise<boolean> {
  const { client, tableName, retrier } = access;
  try {
    await retrier.call(() => client.send(new DeleteTableCommand({ TableName: tableName })));
  } catch (error) {
    if (hasSdkErrorName(error, "ResourceNotFoundException")) return false;
    throw error;
  }
  await waitFor(access, waitUntilTableNotExists, "disappear");
  return true;
}

async function describe(access: TableAccess): Promise<TableDescription> {
  const { client, tableName, retrier } = access;
  const { Table } = await retrier.call(() =>
    client.send(new DescribeTableCommand({ TableName: tableName })),
  );
  if (Table === undefined)
    throw new StoreSetupError({ message: `Table ${tableName} not described` });
  return Table;
}

async function create(access: TableAccess): Promise<TableDescription> {
  const { client, tableName, retrier } = access;
  try {
    await retrier.call(() =>
      client.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: [
            { AttributeName: "collection", KeyType: "HASH" },
            { AttributeName: "key", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "collection", AttributeType: "S" },
            { AttributeName: "key", AttributeType: "S" },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      ),
    );
  } catch (error) {
    if (!hasSdkErrorName(error, "ResourceInUseException")) throw error;
  }
  await waitFor(access, waitUntilTableExists, "become ACTIVE");
  return describe(access);
}

async function waitFor(
  access: TableAccess,
  waiter: typeof waitUntilTableExists | typeof waitUntilTableNotExists,
  what: string,
): Promise<void> {
  try {
    await waiter(
      {
        client: access.client,
        minDelay: 1,
        maxDelay: 10,
        maxWaitTime: Math.max(1, Math.ceil(access.readyTimeoutMs / 1000)),
      },
      { TableName: access.tableName },
    );
  } catch (error) {
    throw new StoreSetupError({
      message: `Table ${access.tableName} did not ${what}: ${messageOf(error)}`,
      cause: error,
      operation: "setup",
    });
  }
}

async function enableExpiry(access: TableAccess): Promise<void> {
  const { client, tableName, retrier } = access;
  const { TimeToLiveDescription } = await retrier.call(() =>
    client.send(new DescribeTimeToLiveCommand({ TableName: tableName })),
  );
  if ((TimeToLiveDescription?.TimeToLiveStatus ?? "DISABLED") !== "DISABLED") return;
  try {
    await retrier.call(() =>
      client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" },
        }),
      ),
    );
  } catch (error) {
    // Emulators without native expiry (dynalite) lack the operation; reads filter expiry anyway.
    if (!hasSdkErrorName(error, "UnknownOperationException")) throw error;
  }
}

function checkSchema(tableName: string, table: TableDescription): void {
  const schema = table.KeySchema ?? [];
  const type = (name: string) =>
    table.AttributeDefinitions?.find((definition) => definition.AttributeName === name)
      ?.AttributeType;
  const hash = schema.find((element) => element.KeyType === "HASH")?.AttributeName;
  const range = schema.find((element) => element.KeyType === "RANGE")?.AttributeName;
  if (
    hash !== "collection" ||
    range !== "key" ||
    type("collection") !== "S" ||
    type("key") !== "S"
  ) {
    throw new StoreSetupError({
      message: `Table ${tableName} must have the string partition key "collection" and the string sort key "key"`,
      operation: "setup",
    });
  }
}

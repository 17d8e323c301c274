import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { DynamoDbStore } from "@kv/dynamodb";
import { open, seal } from "../envelope.ts";
import { PACKAGE_DIR } from "../environment.ts";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";

const RAW = "@aws-sdk/client-dynamodb (raw)";
const COLLECTION = "kvbench";
type Item = Record<string, AttributeValue>;

/** The DynamoDB endpoint: `KV_DYNAMODB_URL`, else dynalite started in a child process. */
class Server {
  private child: ChildProcess | undefined;
  private url: string | undefined;

  async endpoint(): Promise<string> {
    const external = process.env.KV_DYNAMODB_URL;
    if (external !== undefined && external !== "") return external;
    if (this.url !== undefined) return this.url;
    const script =
      "import dynalite from 'dynalite';" +
      "const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });" +
      "server.listen(0, '127.0.0.1', () => console.log(server.address().port));";
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: PACKAGE_DIR,
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.child = child;
    const [chunk] = (await once(child.stdout ?? child, "data")) as [Buffer];
    this.url = `http://127.0.0.1:${Number(chunk.toString().trim())}`;
    return this.url;
  }

  stop(): void {
    this.child?.kill("SIGTERM");
    this.child = undefined;
    this.url = undefined;
  }
}

function connection(endpoint: string) {
  return {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  };
}

const primaryKey = (key: string): Item => ({ collection: { S: COLLECTION }, key: { S: key } });

function item(key: string, text: string, ttl?: number): Item {
  const result: Item = { ...primaryKey(key), value: { S: text } };
  if (ttl !== undefined) result.ttl = { N: String(Math.floor(Date.now() / 1000 + ttl)) };
  return result;
}

/** The limit: the raw AWS SDK with the same table schema and the Map baseline's envelope. */
async function rawClient(endpoint: string, tableName: string): Promise<Client> {
  const client = new DynamoDBClient(connection(endpoint));
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: "collection", AttributeType: "S" },
        { AttributeName: "key", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "collection", KeyType: "HASH" },
        { AttributeName: "key", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  const readBatch = async (keys: readonly string[], found: Map<string, string | undefined>) => {
    let pending: Item[] = keys.map(primaryKey);
    while (pending.length > 0) {
      const answer = await client.send(
        new BatchGetItemCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const row of answer.Responses?.[tableName] ?? []) {
        found.set(row.key?.S ?? "", row.value?.S);
      }
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  };
  const getMany = async (keys: readonly string[]) => {
    const found = new Map<string, string | undefined>();
    const batches: Promise<void>[] = [];
    for (let start = 0; start < keys.length; start += 100) {
      batches.push(readBatch(keys.slice(start, start + 100), found));
    }
    await Promise.all(batches);
    const now = Date.now();
    return keys.map((key) => open(found.get(key), now));
  };
  const writeBatch = async (requests: WriteRequest[]) => {
    let pending = requests;
    while (pending.length > 0) {
      const answer = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = answer.UnprocessedItems?.[tableName] ?? [];
    }
  };
  const putMany = async (entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    const requests = entries.map(([key, value]) => ({
      PutRequest: { Item: item(key, seal(value, now, ttl), ttl) },
    }));
    const batches: Promise<void>[] = [];
    for (let start = 0; start < requests.length; start += 25) {
      batches.push(writeBatch(requests.slice(start, start + 25)));
    }
    await Promise.all(batches);
  };
  const put = async (key: string, value: Value, ttl?: number) => {
    const text = seal(value, Date.now(), ttl);
    await client.send(new PutItemCommand({ TableName: tableName, Item: item(key, text, ttl) }));
  };
  return {
    get: async (key) => {
      const answer = await client.send(
        new GetItemCommand({ TableName: tableName, Key: primaryKey(key), ConsistentRead: true }),
      );
      return open(answer.Item?.value?.S, Date.now());
    },
    getMany,
    ...writeCalls(put, putMany),
    close: async () => client.destroy(),
  };
}

/** DynamoDB stores against the raw AWS SDK, on dynalite in a child process (or KV_DYNAMODB_URL). */
export function dynamodbSuite(): Suite {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const server = new Server();
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  return {
    id: "dynamodb",
    title: "DynamoDB",
    baseline: RAW,
    environment: async () => ({
      "DynamoDB server":
        process.env.KV_DYNAMODB_URL || "dynalite (in a child Node process, in-memory, loopback)",
    }),
    cleanup: async () => server.stop(),
    subjects: [
      {
        name: RAW,
        role: "baseline",
        description:
          "GetItem/PutItem, BatchGetItem (100 keys a request), BatchWriteItem (25 items a request), a call's requests in parallel; same JSON envelope as the Map baseline",
        packages: ["@aws-sdk/client-dynamodb", "dynalite"],
        open: async () => rawClient(await server.endpoint(), `kvbench-raw-${suffix}`),
      },
      {
        name: "@kv/dynamodb",
        role: "kv",
        description: "DynamoDbStore({ tableName, endpoint }) with its defaults (consistent reads)",
        packages: ["@kv/dynamodb"],
        open: async () =>
          ownedKvClient(
            new DynamoDbStore({
              tableName: `kvbench-kv-${suffix}`,
              defaultCollection: COLLECTION,
              ...connection(await server.endpoint()),
            }),
          ),
      },
    ],
  };
}

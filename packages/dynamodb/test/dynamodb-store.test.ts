import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { pythonTimestamp, storeWithExpiredEntry } from "@kv/conformance";
import {
  DynamoDbStore,
  type DynamoDbStoreOptions,
  ItemTooLargeError,
  UnprocessedItemsError,
} from "@kv/dynamodb";
import {
  BaseWrapper,
  DeserializationError,
  InvalidKeyError,
  isTransientError,
  KeyValueError,
  ManualClock,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
  supportsDestroy,
} from "@kv/protocol";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  connection,
  freshTable,
  type Interceptor,
  makeClient,
  rawItem as readRawItem,
  recordCommands,
  startProxy,
  type TestProxy,
} from "./helpers.ts";

class PassThroughWrapper extends BaseWrapper {}

const client = makeClient();
const opened: { close(): Promise<void> }[] = [];

/** A store on a fresh table, through `client` (borrowed) unless told otherwise. */
function newStore(
  options: Partial<ConstructorParameters<typeof DynamoDbStore>[0]> = {},
): DynamoDbStore {
  const store = new DynamoDbStore({ tableName: freshTable("store"), client, ...options });
  opened.push(store);
  return store;
}

async function proxy(intercept: Interceptor): Promise<TestProxy> {
  const started = await startProxy(intercept);
  opened.push(started);
  return started;
}

const rawItem = (tableName: string, collection: string, key: string) =>
  readRawItem(client, tableName, collection, key);

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const keysOf = (count: number) =>
  Array.from({ length: count }, (_, index) => `key-${String(index).padStart(4, "0")}`);

afterEach(async () => {
  for (const resource of opened.splice(0)) await resource.close();
});

afterAll(() => client.destroy());

describe("layout shared with py-key-value", () => {
  it("writes collection, key and the entry document as JSON in value, without ttl when it never expires", async () => {
    const store = newStore();
    await store.put("u1", { name: "Ada", age: 36 }, { collection: "users" });
    const item = await rawItem(store.tableName, "users", "u1");
    expect(Object.keys(item ?? {}).sort()).toEqual(["collection", "key", "value"]);
    expect(item?.collection).toEqual({ S: "users" });
    expect(item?.key).toEqual({ S: "u1" });
    const document = JSON.parse(item?.value?.S ?? "null");
    expect(document).toEqual({
      collection: "users",
      key: "u1",
      value: { name: "Ada", age: 36 },
      created_at: expect.stringMatching(pythonTimestamp),
      version: 1,
    });
  });

  it("writes ttl as the whole epoch second of expires_at, for DynamoDB's native expiry, and kv_expires_at in ms", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = newStore({ clock });
    await store.put("s1", { token: "t" }, { collection: "sessions", ttl: 3600.5 });
    const item = await rawItem(store.tableName, "sessions", "s1");
    const document = JSON.parse(item?.value?.S ?? "null");
    expect(document.expires_at).toBe("2026-11-23T06:04:57.623000+00:00");
    expect(item?.ttl).toEqual({ N: String(Math.floor(Date.UTC(2026, 10, 23, 6, 4, 57) / 1000)) });
    expect(item?.kv_expires_at).toEqual({ N: String(Date.UTC(2026, 10, 23, 6, 4, 57, 623)) });
  });

  it("reads items written by py-key-value, whose ttl attribute decides expiry", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 0, 0));
    const store = newStore({ clock });
    await store.put("warm-up", { n: 0 });
    const pythonItem = (key: string, expiresAt: string, ttl: number) => ({
      collection: { S: "users" },
      key: { S: key },
      value: {
        S: `{"collection": "users", "created_at": "2026-11-23T04:00:00.000000+00:00", "expires_at": "${expiresAt}", "key": "${key}", "value": {"name": "Ada \\u00e9"}, "version": 1}`,
      },
      ttl: { N: String(ttl) },
    });
    const inAnHour = Date.UTC(2026, 10, 23, 6, 0, 0) / 1000;
    const anHourAgo = Date.UTC(2026, 10, 23, 4, 0, 0) / 1000;
    for (const item of [
      pythonItem("live", "2026-11-23T06:00:00.000000+00:00", inAnHour),
      pythonItem("ttl-says-expired", "2026-11-23T06:00:00.000000+00:00", anHourAgo),
    ]) {
      await client.send(new PutItemCommand({ TableName: store.tableName, Item: item }));
    }
    expect(await store.ttl("live", { collection: "users" })).toEqual([{ name: "Ada é" }, 3600]);
    expect(await store.get("ttl-says-expired", { collection: "users" })).toBeUndefined();
  });

  it("reads a document whose value is a JSON string, and refuses an item without a document", async () => {
    const store = newStore();
    await store.put("warm-up", { n: 0 });
    const put = (Item: Record<string, { S: string }>) =>
      client.send(new PutItemCommand({ TableName: store.tableName, Item }));
    await put({
      collection: { S: "c" },
      key: { S: "string-value" },
      value: { S: JSON.stringify({ value: JSON.stringify({ n: 1 }), version: 1 }) },
    });
    await put({ collection: { S: "c" }, key: { S: "no-document" }, other: { S: "x" } });
    expect(await store.get("string-value", { collection: "c" })).toEqual({ n: 1 });
    await expect(store.get("no-document", { collection: "c" })).rejects.toThrow(
      DeserializationError,
    );
  });
});

describe("table setup", () => {
  it("creates a missing table with on-demand billing and the py-key-value key schema, and enables expiry on ttl", async () => {
    const borrowed = makeClient();
    const { sent } = recordCommands(borrowed);
    const store = newStore({ client: borrowed });
    await store.put("k", { n: 1 });
    borrowed.destroy();
    const create = sent.find((command) => command.name === "CreateTableCommand");
    expect(create?.input).toMatchObject({
      TableName: store.tableName,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "collection", KeyType: "HASH" },
        { AttributeName: "key", KeyType: "RANGE" },
      ],
    });
    const enable = sent.find((command) => command.name === "UpdateTimeToLiveCommand");
    expect(enable?.input).toEqual({
      TableName: store.tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" },
    });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: store.tableName }));
    expect(Table?.TableStatus).toBe("ACTIVE");
  });

  it("uses an existing table as it is when createTable is false", async () => {
    const first = newStore();
    await first.put("k", { n: 1 });
    const borrowed = makeClient();
    const { count } = recordCommands(borrowed);
    const second = newStore({ client: borrowed, tableName: first.tableName, createTable: false });
    expect(await second.get("k")).toEqual({ n: 1 });
    borrowed.destroy();
    expect(count("CreateTableCommand") + count("UpdateTimeToLiveCommand")).toBe(0);
  });

  it("fails with StoreSetupError, the driver's error as cause, when the table is missing and createTable is false", async () => {
    const store = newStore({ createTable: false });
    const error = await store.put("k", { n: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreSetupError);
    expect((error as StoreSetupError).cause).toMatchObject({ name: "ResourceNotFoundException" });
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).not.toContain(store.tableName);
  });

  it("fails with StoreSetupError when creating the table is refused, and sets up again on the next call", async () => {
    let refusals = 1;
    const gate = await proxy((operation) =>
      operation === "CreateTable" && refusals-- > 0
        ? {
            reply: {
              status: 400,
              body: { __type: "com.amazon.coral.service#AccessDeniedException", message: "no" },
            },
          }
        : undefined,
    );
    const store = newStore({ client: undefined, ...connection, endpoint: gate.endpoint });
    const error = await store.put("k", { n: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreSetupError);
    expect((error as StoreSetupError).cause).toMatchObject({ name: "AccessDeniedException" });
    await store.put("k", { n: 2 });
    expect(await store.get("k")).toEqual({ n: 2 });
  });

  it("refuses a table whose key schema is not collection + key", async () => {
    const tableName = freshTable("schema");
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const store = newStore({ tableName });
    await expect(store.get("k")).rejects.toThrow(StoreSetupError);
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });
});

describe("native bulk calls", () => {
  it("sends 10 BatchGetItem requests for getMany of 1 000 keys and 40 BatchWriteItem for putMany", async () => {
    const borrowed = makeClient();
    const { count } = recordCommands(borrowed);
    const store = newStore({ client: borrowed });
    await store.get("warm-up");
    const keys = keysOf(1000);
    await store.putMany(keys.map((key, index) => [key, { index }]));
    const values = await store.getMany(keys);
    borrowed.destroy();
    expect(count("BatchWriteItemCommand")).toBe(40);
    expect(count("BatchGetItemCommand")).toBe(10);
    expect(count("PutItemCommand") + count("GetItemCommand")).toBe(1);
    expect(values).toEqual(keys.map((_, index) => ({ index })));
  });

  it("deletes many keys with one BatchGetItem and BatchWriteItem per chunk, counting only live entries", async () => {
    const clock = new ManualClock();
    const borrowed = makeClient();
    const { count } = recordCommands(borrowed);
    const store = newStore({ client: borrowed, clock });
    const keys = keysOf(30);
    await store.putMany(keys.slice(0, 20).map((key) => [key, { key }]));
    await store.putMany(
      keys.slice(20).map((key) => [key, { key }]),
      { ttl: 10 },
    );
    clock.advanceSeconds(20);
    const before = count("BatchWriteItemCommand");
    expect(await store.deleteMany([...keys, "missing-1", "missing-2"])).toBe(20);
    borrowed.destroy();
    expect(count("BatchGetItemCommand")).toBe(1);
    expect(count("BatchWriteItemCommand") - before).toBe(2);
    expect(await rawItem(store.tableName, "default_collection", "key-0025")).toBeUndefined();
  });

  it("keeps at most maxConcurrency batch requests in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const gate = await proxy((operation) => {
      if (operation !== "BatchWriteItem") return undefined;
      inFlight++;
      most = Math.max(most, inFlight);
      return {
        response: (body) => {
          inFlight--;
          return body;
        },
      };
    });
    const store = newStore({ client: makeClient(gate.endpoint), maxConcurrency: 3 });
    await store.putMany(keysOf(300).map((key) => [key, { key }]));
    expect(gate.count("BatchWriteItem")).toBe(12);
    expect(most).toBeLessThanOrEqual(3);
  });
});

describe("unprocessed items", () => {
  type Json = Record<string, unknown>;
  type Requests = Record<string, unknown[]>;

  /** Makes the server skip all but the first item of the next `times` BatchWriteItem requests. */
  function skipWrites(tableName: string, times: number, only?: (request: Json) => boolean) {
    let left = times;
    return (operation: string, body: Json) => {
      if (operation !== "BatchWriteItem" || left <= 0) return undefined;
      const requests = ((body.RequestItems as Requests)[tableName] ?? []) as Json[];
      const skipped = only ? requests.filter(only) : requests.slice(requests.length > 1 ? 1 : 0);
      if (skipped.length === 0) return undefined;
      left--;
      const kept = requests.filter((request) => !skipped.includes(request));
      const unprocessed = { UnprocessedItems: { [tableName]: skipped } };
      if (kept.length === 0) return { reply: { status: 200, body: unprocessed } };
      return {
        request: { ...body, RequestItems: { [tableName]: kept } },
        response: (answer: Json) => ({ ...answer, ...unprocessed }),
      };
    };
  }

  it("retries items the server returns unprocessed from BatchWriteItem until all land", async () => {
    const tableName = freshTable("unprocessed");
    const gate = await proxy(skipWrites(tableName, 3));
    const store = newStore({ tableName, client: makeClient(gate.endpoint) });
    const keys = keysOf(60);
    await store.putMany(keys.map((key) => [key, { key }]));
    expect(gate.count("BatchWriteItem")).toBe(3 + 3);
    const direct = newStore({ tableName });
    expect(await direct.getMany(keys)).toEqual(keys.map((key) => ({ key })));
  });

  it("retries keys the server returns unprocessed from BatchGetItem until all are read", async () => {
    let left = 2;
    const gate = await proxy((operation, body) => {
      if (operation !== "BatchGetItem" || left <= 0) return undefined;
      left--;
      const [tableName, request] =
        Object.entries(body.RequestItems as Record<string, Json>)[0] ?? [];
      const all = (request?.Keys ?? []) as Json[];
      const skipped = all.slice(1);
      return {
        request: { RequestItems: { [tableName ?? ""]: { ...request, Keys: all.slice(0, 1) } } },
        response: (answer) => ({
          ...answer,
          UnprocessedKeys: { [tableName ?? ""]: { ...request, Keys: skipped } },
        }),
      };
    });
    const store = newStore();
    const keys = keysOf(150);
    await store.putMany(keys.map((key) => [key, { key }]));
    const proxied = newStore({ tableName: store.tableName, client: makeClient(gate.endpoint) });
    expect(await proxied.getMany(keys)).toEqual(keys.map((key) => ({ key })));
    expect(gate.count("BatchGetItem")).toBe(2 + 2);
  });

  it("names the keys still unprocessed at the deadline in UnprocessedItemsError, and writes the rest", async () => {
    const tableName = freshTable("stuck");
    const stuck = (request: Json) => JSON.stringify(request).includes('"key":{"S":"stuck-');
    const gate = await proxy(skipWrites(tableName, Number.POSITIVE_INFINITY, stuck));
    const store = newStore({
      tableName,
      client: makeClient(gate.endpoint),
      retryInitialDelayMs: 10,
      retryDeadlineMs: 300,
    });
    const keys = [...keysOf(40), "stuck-1", "stuck-2"];
    const error = await store
      .putMany(keys.map((key) => [key, { key }]))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect(error).toBeInstanceOf(StoreError);
    expect(UnprocessedItemsError.isInstance(error)).toBe(true);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as UnprocessedItemsError).code).toBe("UNPROCESSED_ITEMS");
    expect([...(error as UnprocessedItemsError).unprocessedKeys].sort()).toEqual([
      "stuck-1",
      "stuck-2",
    ]);
    expect((error as UnprocessedItemsError).operation).toBe("putMany");
    expect(gate.count("BatchWriteItem")).toBeGreaterThan(2);
    const direct = newStore({ tableName });
    expect(await direct.getMany(["key-0000", "key-0039", "stuck-1"])).toEqual([
      { key: "key-0000" },
      { key: "key-0039" },
      undefined,
    ]);
  });
});

describe("error classes", () => {
  it("keep their names, codes, messages, fields and parents", () => {
    const large = new ItemTooLargeError({ key: "k", size: 500_000, limit: 409_600 });
    expect(large).toMatchObject({ name: "ItemTooLargeError", code: "ITEM_TOO_LARGE" });
    expect(large).toMatchObject({ size: 500_000, limit: 409_600, transient: false });
    expect(large.message).toBe(
      "Item of 500000 bytes exceeds DynamoDB's limit of 409600 bytes (key: k)",
    );
    const keys = ["a", "b", "c", "d", "e", "f"];
    const left = new UnprocessedItemsError({
      operation: "putMany",
      key: "a",
      unprocessedKeys: keys,
    });
    expect(left).toBeInstanceOf(StoreError);
    expect(left).toMatchObject({ name: "UnprocessedItemsError", code: "UNPROCESSED_ITEMS" });
    expect(left).toMatchObject({ unprocessedKeys: keys, transient: false });
    expect(left.message).toBe(
      'DynamoDB left 6 item(s) unprocessed after retrying: "a", "b", "c", "d", "e", ... (operation: putMany, key: a)',
    );
  });
});

describe("DynamoDB's limits", () => {
  it("refuses an entry over 400 KB with ItemTooLargeError before sending anything", async () => {
    const borrowed = makeClient();
    const { count } = recordCommands(borrowed);
    const store = newStore({ client: borrowed, clock: new ManualClock() });
    await store.get("warm-up");
    const error = await store
      .put("big", { blob: "x".repeat(400 * 1024) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ItemTooLargeError);
    expect(ItemTooLargeError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: "ItemTooLargeError", code: "ITEM_TOO_LARGE", key: "big" });
    const { size, limit } = error as ItemTooLargeError;
    expect(limit).toBe(409_600);
    expect(size).toBeGreaterThan(limit);
    await expect(
      store.putMany([
        ["small", { n: 1 }],
        ["big", { blob: "x".repeat(400 * 1024) }],
      ]),
    ).rejects.toThrow(ItemTooLargeError);
    expect(count("PutItemCommand") + count("BatchWriteItemCommand")).toBe(0);
    expect(await store.getMany(["small", "big"])).toEqual([undefined, undefined]);

    const exact = { blob: "x".repeat(400 * 1024 - (size - limit)) };
    await store.put("fit", exact);
    expect(await store.get("fit")).toEqual(exact);
    await expect(store.put("big", { blob: `${exact.blob}x` })).rejects.toThrow(ItemTooLargeError);
    borrowed.destroy();
  });

  it("refuses keys over 1 024 UTF-8 bytes and collections over 2 048 with InvalidKeyError", async () => {
    const store = newStore();
    const longest = "é".repeat(512);
    await store.put(longest, { n: 1 });
    expect(await store.get(longest)).toEqual({ n: 1 });
    const tooLong = "é".repeat(513);
    await expect(store.put(tooLong, { n: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(store.get(tooLong)).rejects.toThrow(InvalidKeyError);
    await expect(store.delete(tooLong)).rejects.toThrow(InvalidKeyError);
    await expect(store.getMany(["ok", tooLong])).rejects.toThrow(InvalidKeyError);
    await expect(
      store.putMany([
        ["ok", { n: 1 }],
        [tooLong, { n: 2 }],
      ]),
    ).rejects.toThrow(InvalidKeyError);
    await expect(store.deleteMany(["ok", tooLong])).rejects.toThrow(InvalidKeyError);
    expect(await store.get("ok")).toBeUndefined();
    const collection = "c".repeat(2048);
    await store.put("k", { n: 1 }, { collection });
    expect(await store.get("k", { collection })).toEqual({ n: 1 });
    await expect(store.put("k", { n: 1 }, { collection: `${collection}c` })).rejects.toThrow(
      InvalidKeyError,
    );
    expect(() => newStore({ defaultCollection: "c".repeat(2049) })).toThrow(InvalidKeyError);
  });
});

describe("expiry", () => {
  it("never returns an entry past its expiry although the server still holds it", async () => {
    const store = await storeWithExpiredEntry((clock) => newStore({ clock }));
    expect(await store.get("short")).toBeUndefined();
    expect(await store.getMany(["short", "forever"])).toEqual([undefined, { n: 2 }]);
    expect(await store.ttl("short")).toEqual([undefined, undefined]);
    expect(await store.keys()).toEqual(["forever"]);
    expect(await rawItem(store.tableName, "default_collection", "short")).toBeDefined();
    expect(await store.delete("short")).toBe(false);
    expect(await rawItem(store.tableName, "default_collection", "short")).toBeUndefined();
  });
});

describe("enumeration and destruction", () => {
  it("pages through keys with Query and LastEvaluatedKey", async () => {
    const borrowed = makeClient();
    const { count } = recordCommands(borrowed);
    const store = newStore({ client: borrowed });
    const keys = keysOf(30);
    await store.putMany(keys.map((key) => [key, { blob: "x".repeat(60_000) }]));
    expect((await store.keys()).sort()).toEqual(keys);
    expect(count("QueryCommand")).toBeGreaterThan(1);
    borrowed.destroy();
  });

  it("destroy() removes every entry and keeps the table and foreign items; destroy({ dropTable: true }) deletes the table", async () => {
    const store = newStore();
    await store.put("a", { n: 1 }, { collection: "one" });
    await store.put("b", { n: 2 }, { collection: "two" });
    const foreign = { collection: { S: "one" }, key: { S: "not-an-entry" }, owner: { S: "x" } };
    await client.send(new PutItemCommand({ TableName: store.tableName, Item: foreign }));
    expect(await store.destroy()).toBe(true);
    expect(await store.destroy()).toBe(false);
    const { Count } = await client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: "#c = :c",
        ExpressionAttributeNames: { "#c": "collection" },
        ExpressionAttributeValues: { ":c": { S: "one" } },
      }),
    );
    expect(Count).toBe(1);
    expect(await rawItem(store.tableName, "one", "not-an-entry")).toEqual(foreign);
    expect(await store.destroy({ dropTable: true })).toBe(true);
    expect((await client.send(new ListTablesCommand({}))).TableNames).not.toContain(
      store.tableName,
    );
    expect(await store.destroy({ dropTable: true })).toBe(false);
    await store.put("c", { n: 3 });
    expect(await store.get("c")).toEqual({ n: 3 });
  });

  it("sets the table up again after it was deleted behind its back", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    await client.send(new DeleteTableCommand({ TableName: store.tableName }));
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).not.toBeInstanceOf(StoreConnectionError);
    expect((error as StoreError).cause).toMatchObject({ name: "ResourceNotFoundException" });
    await store.put("k", { n: 2 });
    expect(await store.get("k")).toEqual({ n: 2 });
  });
});

describe("client ownership", () => {
  it("leaves a borrowed client open on close()", async () => {
    const borrowed = makeClient();
    const store = newStore({ client: borrowed });
    await store.put("k", { n: 1 });
    await store.close();
    await store.close();
    const { TableNames } = await borrowed.send(new ListTablesCommand({}));
    expect(TableNames).toContain(store.tableName);
    borrowed.destroy();
  });

  it("destroys the client it created on close(), once", async () => {
    const destroy = vi.spyOn(DynamoDBClient.prototype, "destroy");
    try {
      const store = newStore({ client: undefined, ...connection });
      await store.put("k", { n: 1 });
      await store.close();
      await store.close();
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      destroy.mockRestore();
    }
  });
});

describe("after close()", () => {
  it("refuses every call, destroy({ dropTable: true }) too, with StoreClosedError, and keeps the table", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    await store.close();
    for (const call of [() => store.get("k"), () => store.destroy({ dropTable: true })]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(StoreClosedError.isInstance(error)).toBe(true);
      expect(isTransientError(error)).toBe(false);
    }
    expect(await rawItem(store.tableName, "default_collection", "k")).toBeDefined();
  });
});

describe("destroy through a wrapper", () => {
  it("forwards destroy() without options: the entries go, the table stays", async () => {
    const store = newStore();
    await store.put("k", { n: 1 });
    const wrapped = new PassThroughWrapper(store);
    expect(supportsDestroy(wrapped)).toBe(true);
    if (supportsDestroy(wrapped)) expect(await wrapped.destroy()).toBe(true);
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toContain(store.tableName);
    expect(await store.get("k")).toBeUndefined();
  });
});

describe("errors", () => {
  it("maps an unreachable endpoint to StoreConnectionError with the driver's error as cause", async () => {
    const closed = await startProxy(() => undefined);
    await closed.close();
    const store = newStore({
      client: undefined,
      ...connection,
      endpoint: closed.endpoint,
      clientConfig: { maxAttempts: 1 },
    });
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as StoreConnectionError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("fails the first call to a closed loopback port within 1 s with the default timeouts", async () => {
    const closed = await startProxy(() => undefined);
    await closed.close();
    const store = newStore({ client: undefined, ...connection, endpoint: closed.endpoint });
    const started = Date.now();
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect(isTransientError(error)).toBe(true);
  });

  it("bounds a request the server never answers by requestTimeoutMs per attempt", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    opened.push({ close: () => closeServer(silent) });
    const { port } = silent.address() as AddressInfo;
    const store = newStore({
      client: undefined,
      ...connection,
      endpoint: `http://127.0.0.1:${port}`,
      requestTimeoutMs: 200,
    });
    const started = Date.now();
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(3 * 200 + 1000);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as StoreConnectionError).cause).toMatchObject({ name: "TimeoutError" });
  });

  it("makes its client with 3 attempts and the timeouts, clientConfig overriding them", async () => {
    const attempts = async (options: Partial<DynamoDbStoreOptions>) => {
      const store = newStore({ client: undefined, ...connection, ...options });
      await store.get("k");
      const config = (store as unknown as { client: DynamoDBClient }).client.config;
      const handler = config.requestHandler as { httpHandlerConfigs(): object };
      return [await config.maxAttempts(), handler.httpHandlerConfigs()];
    };
    expect(await attempts({})).toEqual([
      3,
      expect.objectContaining({ connectionTimeout: 2000, requestTimeout: 5000 }),
    ]);
    expect(
      await attempts({
        connectTimeoutMs: 300,
        requestTimeoutMs: 900,
        clientConfig: { maxAttempts: 1 },
      }),
    ).toEqual([1, expect.objectContaining({ connectionTimeout: 300, requestTimeout: 900 })]);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => newStore({ client: undefined, ...connection, connectTimeoutMs: bad })).toThrow(
        RangeError,
      );
      expect(() => newStore({ client: undefined, ...connection, requestTimeoutMs: bad })).toThrow(
        RangeError,
      );
    }
  });

  const throttled = (name: string) => ({
    reply: {
      status: 400,
      body: { __type: `com.amazonaws.dynamodb.v20120810#${name}`, message: "slow down" },
    },
  });

  it("retries throttled requests with backoff, then succeeds", async () => {
    let refusals = 2;
    const gate = await proxy((operation) =>
      operation === "PutItem" && refusals-- > 0
        ? throttled("ProvisionedThroughputExceededException")
        : undefined,
    );
    const store = newStore({ client: makeClient(gate.endpoint, { maxAttempts: 1 }) });
    await store.put("k", { n: 1 });
    expect(gate.count("PutItem")).toBe(3);
    expect(await store.get("k")).toEqual({ n: 1 });
  });

  it("surfaces throttling that outlasts the deadline as StoreConnectionError", async () => {
    const gate = await proxy((operation) =>
      operation === "GetItem" ? throttled("ThrottlingException") : undefined,
    );
    const store = newStore({
      client: makeClient(gate.endpoint, { maxAttempts: 1 }),
      retryInitialDelayMs: 10,
      retryDeadlineMs: 300,
    });
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as StoreConnectionError).cause).toMatchObject({ name: "ThrottlingException" });
    expect(gate.count("GetItem")).toBeGreaterThan(1);
  });
});

describe("connection options", () => {
  it("makes its own client from region, endpoint and credentials", async () => {
    const store = newStore({ client: undefined, ...connection });
    await store.put("k", { n: 1 });
    expect(await store.get("k")).toEqual({ n: 1 });
  });
});

import { type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDbStore, type DynamoDbStoreOptions } from "@kv/dynamodb";
import { isTransientError, ManualClock, NotACounterError, UpdateConflictError } from "@kv/protocol";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  beforeCommand,
  freshTable,
  makeClient,
  rawItem,
  recordCommands,
  type SentCommand,
} from "./helpers.ts";

const client = makeClient();
const opened: { close(): Promise<void> }[] = [];
const clients = new Map<DynamoDbStore, DynamoDBClient>();
const SECOND = Date.UTC(2026, 10, 23, 5, 4, 57);
const MAX = Number.MAX_SAFE_INTEGER;

/** A store on a fresh table (or `tableName`) with a client of its own, ready to use. */
async function newStore(options: Partial<DynamoDbStoreOptions> = {}): Promise<DynamoDbStore> {
  const own = makeClient();
  const store = new DynamoDbStore({ tableName: freshTable("atomic"), client: own, ...options });
  opened.push(store, { close: async () => own.destroy() });
  clients.set(store, own);
  await store.get("warm-up");
  return store;
}

/** The client a store borrows, to watch or steer its commands. */
function clientOf(store: DynamoDbStore): DynamoDBClient {
  const own = clients.get(store);
  if (own === undefined) throw new Error("Not a store of newStore()");
  return own;
}

const stored = (store: DynamoDbStore, key: string, collection = "c") =>
  rawItem(client, store.tableName, collection, key);

/** The entry document of a raw item, parsed. */
async function documentOf(store: DynamoDbStore, key: string): Promise<Record<string, unknown>> {
  return JSON.parse((await stored(store, key))?.value?.S ?? "null");
}

/** An item as py-key-value writes it: its JSON, `ttl` in whole seconds, no attribute of ours. */
async function putPythonItem(store: DynamoDbStore, key: string, expiresAt: number): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "000+00:00");
  await client.send(
    new PutItemCommand({
      TableName: store.tableName,
      Item: {
        collection: { S: "c" },
        key: { S: key },
        value: {
          S: `{"collection": "c", "created_at": "${iso(SECOND - 60_000)}", "expires_at": "${iso(expiresAt)}", "key": "${key}", "value": {"from": "python"}, "version": 1}`,
        },
        ttl: { N: String(Math.floor(expiresAt / 1000)) },
      },
    }),
  );
}

const writes = (sent: SentCommand[]) =>
  sent.filter(({ name }) => !["DescribeTableCommand", "DescribeTimeToLiveCommand"].includes(name));

afterEach(async () => {
  for (const resource of opened.splice(0)) await resource.close();
  clients.clear();
});

afterAll(() => client.destroy());

describe("putIfAbsent", () => {
  it("is one PutItem with the condition attribute_not_exists(key) or expired", async () => {
    const store = await newStore();
    const { sent } = recordCommands(clientOf(store));
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(true);
    expect(writes(sent).map(({ name }) => name)).toEqual(["PutItemCommand"]);
    expect(sent[0]?.input.ConditionExpression).toMatch(/^attribute_not_exists\(#k\) OR #t < :sec/);
  });

  it("replaces an entry that expired earlier in the same second, telling by kv_expires_at", async () => {
    const clock = new ManualClock(SECOND + 100);
    const store = await newStore({ clock });
    await store.put("k", { old: true }, { collection: "c", ttl: 0.2 });
    clock.advance(100);
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(false);
    clock.advance(150);
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(true);
    expect(await store.get("k", { collection: "c" })).toEqual({ n: 1 });
  });

  it("refuses py-key-value's item (no kv_expires_at) in the second its ttl names, then replaces it", async () => {
    const clock = new ManualClock(SECOND + 100);
    const store = await newStore({ clock });
    await putPythonItem(store, "k", SECOND + 300);
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "python" });
    expect(await store.touch("k", { collection: "c", ttl: 10 })).toBe(false);
    clock.advance(400);
    expect(await store.get("k", { collection: "c" })).toBeUndefined();
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(false);
    clock.advance(500);
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(true);
  });
});

describe("versions", () => {
  it("gives an item written by put a kv_version once, with one conditional UpdateItem, its document untouched", async () => {
    const store = await newStore();
    await store.put("k", { n: 1 }, { collection: "c" });
    const before = await stored(store, "k");
    const { sent } = recordCommands(clientOf(store));
    const first = await store.getVersioned("k", { collection: "c" });
    const second = await store.getVersioned("k", { collection: "c" });
    expect(second?.version).toBe(first?.version);
    expect(writes(sent).map(({ name }) => name)).toEqual([
      "GetItemCommand",
      "UpdateItemCommand",
      "GetItemCommand",
    ]);
    expect(sent[1]?.input.UpdateExpression).toBe("SET #ver = if_not_exists(#ver, :ver)");
    const after = await stored(store, "k");
    expect(after?.value).toEqual(before?.value);
    expect(Object.keys(after ?? {}).sort()).toEqual(["collection", "key", "kv_version", "value"]);
  });

  it("putIfVersion and deleteIfVersion are one conditional request each, and set a new kv_version", async () => {
    const store = await newStore();
    await store.putIfAbsent("k", { n: 1 }, { collection: "c" });
    const read = await store.getVersioned("k", { collection: "c" });
    const { sent } = recordCommands(clientOf(store));
    expect(await store.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection: "c" })).toBe(
      true,
    );
    const next = await store.getVersioned("k", { collection: "c" });
    expect(next?.version).not.toBe(read?.version);
    expect(await store.deleteIfVersion("k", next?.version ?? "", { collection: "c" })).toBe(true);
    expect(writes(sent).map(({ name }) => name)).toEqual([
      "PutItemCommand",
      "GetItemCommand",
      "DeleteItemCommand",
    ]);
    expect(sent[0]?.input.ConditionExpression).toMatch(/^#ver = :ver AND attribute_exists\(#k\)/);
  });

  it("refuses a version once py-key-value rewrote the item, since its PutItem drops kv_version", async () => {
    const store = await newStore();
    await store.put("k", { n: 1 }, { collection: "c", ttl: 100 });
    const read = await store.getVersioned("k", { collection: "c" });
    await putPythonItem(store, "k", Date.now() + 100_000);
    expect(await store.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection: "c" })).toBe(
      false,
    );
    expect(await store.deleteIfVersion("k", read?.version ?? "", { collection: "c" })).toBe(false);
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "python" });
  });
});

describe("increment", () => {
  it("stores the counter as py-key-value reads it: { count } in the document, ttl in whole seconds", async () => {
    const clock = new ManualClock(SECOND + 123);
    const store = await newStore({ clock });
    expect(await store.increment("hits", { collection: "c", by: 5, ttl: 60 })).toBe(5);
    const item = await stored(store, "hits");
    expect(await documentOf(store, "hits")).toEqual({
      collection: "c",
      key: "hits",
      value: { count: 5 },
      created_at: "2026-11-23T05:04:57.123000+00:00",
      expires_at: "2026-11-23T05:05:57.123000+00:00",
      version: 1,
    });
    expect(item?.ttl).toEqual({ N: String((SECOND + 60_000) / 1000) });
    expect(item?.kv_expires_at).toEqual({ N: String(SECOND + 60_123) });
    expect(item?.kv_version?.S).toMatch(/^[\w-]{16}$/);
  });

  it("leaves the item byte for byte as it was for a value that is not a counter or would overflow", async () => {
    const store = await newStore();
    for (const value of [{ name: "x" }, { count: MAX }, { count: 1, more: true }]) {
      await store.put("v", value, { collection: "c", ttl: 100 });
      const before = await stored(store, "v");
      await expect(store.increment("v", { collection: "c" })).rejects.toSatisfy(
        NotACounterError.isInstance,
      );
      expect(await stored(store, "v")).toEqual(before);
    }
  });

  it("sends one GetItem and one conditional PutItem for 100 concurrent increments of one instance", async () => {
    const store = await newStore();
    const { count } = recordCommands(clientOf(store));
    const counts = await Promise.all(
      Array.from({ length: 100 }, () => store.increment("hits", { collection: "c" })),
    );
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect([count("GetItemCommand"), count("PutItemCommand")]).toEqual([1, 1]);
    expect(await store.get("hits", { collection: "c" })).toEqual({ count: 100 });
  });

  it("gives concurrent callers their own counts, refusing only the step that would overflow", async () => {
    const store = await newStore();
    await store.put("c", { count: MAX - 2 }, { collection: "c" });
    const results = await Promise.allSettled(
      [1, 5, 1].map((by) => store.increment("c", { collection: "c", by })),
    );
    expect(results[0]).toEqual({ status: "fulfilled", value: MAX - 1 });
    expect(
      results[1]?.status === "rejected" && NotACounterError.isInstance(results[1].reason),
    ).toBe(true);
    expect(results[2]).toEqual({ status: "fulfilled", value: MAX });
    expect(await store.get("c", { collection: "c" })).toEqual({ count: MAX });
  });

  it("reads again and retries when another writer got in between its read and its write", async () => {
    const store = await newStore();
    const other = await newStore({ tableName: store.tableName });
    let interfere = true;
    beforeCommand(clientOf(store), "PutItemCommand", async () => {
      if (interfere) await other.put("hits", { count: 10 }, { collection: "c" });
      interfere = false;
    });
    const { count } = recordCommands(clientOf(store));
    expect(await store.increment("hits", { collection: "c" })).toBe(11);
    expect([count("GetItemCommand"), count("PutItemCommand")]).toEqual([2, 2]);
    expect(await store.get("hits", { collection: "c" })).toEqual({ count: 11 });
  });

  it("gives up with the transient UpdateConflictError when others keep winning until retryDeadlineMs", async () => {
    const store = await newStore({ retryDeadlineMs: 300 });
    const other = await newStore({ tableName: store.tableName });
    beforeCommand(clientOf(store), "PutItemCommand", () =>
      other.put("hits", { count: 0 }, { collection: "c" }),
    );
    const failure = await store.increment("hits", { collection: "c" }).catch((error) => error);
    expect(UpdateConflictError.isInstance(failure)).toBe(true);
    expect(isTransientError(failure)).toBe(true);
    expect(await store.get("hits", { collection: "c" })).toEqual({ count: 0 });
  });

  it("counts exactly when five instances race, each incrementing one call at a time", async () => {
    const first = await newStore();
    const stores = [first];
    for (let index = 1; index < 5; index++) {
      stores.push(await newStore({ tableName: first.tableName }));
    }
    const counts = (
      await Promise.all(
        stores.map(async (store) => {
          const mine: number[] = [];
          for (let step = 0; step < 20; step++) {
            mine.push(await store.increment("hits", { collection: "c" }));
          }
          return mine;
        }),
      )
    ).flat();
    expect(new Set(counts).size).toBe(100);
    expect(await first.get("hits", { collection: "c" })).toEqual({ count: 100 });
  });
});

describe("touch", () => {
  it("with a TTL, is one UpdateItem of ttl and kv_expires_at that keeps the document byte for byte", async () => {
    const clock = new ManualClock(SECOND);
    const store = await newStore({ clock });
    await store.put("k", { n: 1 }, { collection: "c", ttl: 10 });
    const before = await stored(store, "k");
    const { sent } = recordCommands(clientOf(store));
    expect(await store.touch("k", { collection: "c", ttl: 100.25 })).toBe(true);
    expect(writes(sent).map(({ name }) => name)).toEqual(["UpdateItemCommand"]);
    const after = await stored(store, "k");
    expect(after?.value).toEqual(before?.value);
    expect(after?.ttl).toEqual({ N: String(SECOND / 1000 + 100) });
    expect(after?.kv_expires_at).toEqual({ N: String(SECOND + 100_250) });
    expect(await store.ttl("k", { collection: "c" })).toEqual([{ n: 1 }, 100.25]);
  });

  it("without a TTL, rewrites the document without expires_at and drops ttl, keeping created_at", async () => {
    const store = await newStore();
    await store.put("k", { n: 1 }, { collection: "c", ttl: 10 });
    const before = await documentOf(store, "k");
    expect(await store.touch("k", { collection: "c", ttl: undefined })).toBe(true);
    const item = await stored(store, "k");
    expect(item?.ttl).toBeUndefined();
    expect(item?.kv_expires_at).toBeUndefined();
    const { expires_at: _, ...kept } = before;
    expect(await documentOf(store, "k")).toEqual(kept);
  });
});

import type { Client } from "@elastic/elasticsearch";
import { pythonTimestamp } from "@kv/conformance";
import type { ElasticsearchStore } from "@kv/elasticsearch";
import { ManualClock, NotACounterError, UpdateConflictError } from "@kv/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { deleteIndices, freshPrefix, rawClient, recordedStore, storeMaker } from "./helpers.ts";

const client = rawClient();
const prefix = freshPrefix("atomic");

let counter = 0;
function collection(): string {
  return `c-${++counter}`;
}

/** A new collection whose index the store has created, with its mapping. */
async function createdBy(s: ElasticsearchStore): Promise<string> {
  const name = collection();
  await s.put("warm-up", { n: 0 }, { collection: name });
  return name;
}

const store = storeMaker(client, prefix);

/** The stored document of a key with its sequence number, read with the raw client. */
async function stored(name: string, key: string) {
  const { _source: source, _seq_no: seqNo } = await client.get<Record<string, unknown>>({
    index: `${prefix}-${name}`,
    id: key,
  });
  return { source, seqNo };
}

/** Writes a document as py-key-value does (or as any other program might), with the raw client. */
async function writeRaw(name: string, key: string, document: Record<string, unknown>) {
  await client.index({
    index: `${prefix}-${name}`,
    id: key,
    document: { version: 1, key, collection: name, ...document },
  });
}

/** Makes `times` raw writes happen, one after each realtime get the client sends. */
function writeAfterEachGet(target: Client, times: number, write: () => Promise<unknown>): void {
  const get = target.get.bind(target) as (...args: unknown[]) => Promise<unknown>;
  let left = times;
  target.get = (async (...args: unknown[]) => {
    const response = await get(...args);
    if (left-- > 0) await write();
    return response;
  }) as unknown as typeof target.get;
}

afterAll(async () => {
  await deleteIndices(client, prefix);
  await client.close();
});

describe("ElasticsearchStore putIfAbsent", () => {
  it("sends one index request with op_type=create when the key is free", async () => {
    const { store: s, requests, queries, reset, closeClient } = recordedStore(store);
    const name = await createdBy(s);

    reset();
    expect(await s.putIfAbsent("k", { n: 1 }, { collection: name })).toBe(true);
    expect(requests).toEqual([`PUT /${prefix}-${name}/_doc/k`]);
    expect(queries[0]).toContain("op_type=create");

    reset();
    expect(await s.putIfAbsent("k", { n: 2 }, { collection: name })).toBe(false);
    expect(requests).toEqual([`PUT /${prefix}-${name}/_doc/k`, `GET /${prefix}-${name}/_doc/k`]);
    expect((await stored(name, "k")).source?.value).toEqual({ flattened: { n: 1 } });
    await closeClient();
  });

  it("replaces an expired document with a write conditional on its _seq_no", async () => {
    const clock = new ManualClock();
    const { store: s, requests, queries, reset, closeClient } = recordedStore(store, { clock });
    const name = collection();
    await s.put("k", { old: true }, { collection: name, ttl: 1 });
    const { seqNo } = await stored(name, "k");
    clock.advanceSeconds(5);

    reset();
    expect(await s.putIfAbsent("k", { n: 1 }, { collection: name })).toBe(true);
    expect(requests).toHaveLength(3);
    expect(queries[2]).toContain(`if_seq_no=${seqNo}`);
    expect(await s.get("k", { collection: name })).toEqual({ n: 1 });
    await closeClient();
  });
});

describe("ElasticsearchStore versions", () => {
  it("names the document's _seq_no and _primary_term, which Elasticsearch checks", async () => {
    const { store: s, queries, reset, closeClient } = recordedStore(store);
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name });
    const { seqNo } = await stored(name, "k");
    const read = await s.getVersioned("k", { collection: name });
    expect(read?.version).toMatch(new RegExp(`\\.${seqNo}:1:$`));

    reset();
    expect(await s.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection: name })).toBe(
      true,
    );
    expect(queries[0]).toContain(`if_seq_no=${seqNo}&if_primary_term=1`);
    await closeClient();
  });

  it("refuses a version after another program rewrote the document with the same content", async () => {
    const s = store();
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name });
    const read = await s.getVersioned("k", { collection: name });
    const { source } = await stored(name, "k");
    await writeRaw(name, "k", { ...source });
    expect(await s.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection: name })).toBe(
      false,
    );
    expect(await s.deleteIfVersion("k", read?.version ?? "", { collection: name })).toBe(false);
    expect(await s.get("k", { collection: name })).toEqual({ n: 1 });
  });

  it("refuses the version of an entry that has expired since without sending a request", async () => {
    const clock = new ManualClock();
    const { store: s, requests, reset, closeClient } = recordedStore(store, { clock });
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name, ttl: 1 });
    const read = await s.getVersioned("k", { collection: name });
    clock.advanceSeconds(2);

    reset();
    expect(await s.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection: name })).toBe(
      false,
    );
    expect(await s.deleteIfVersion("k", read?.version ?? "", { collection: name })).toBe(false);
    expect(requests).toEqual([]);
    await closeClient();
  });
});

describe("ElasticsearchStore increment", () => {
  it("stores a counter as py-key-value's document: value.flattened.count", async () => {
    const s = store();
    const name = collection();
    expect(await s.increment("hits", { collection: name, by: 5, ttl: 60 })).toBe(5);
    expect((await stored(name, "hits")).source).toEqual({
      version: 1,
      key: "hits",
      collection: name,
      value: { flattened: { count: 5 } },
      created_at: expect.stringMatching(pythonTimestamp),
      expires_at: expect.stringMatching(pythonTimestamp),
    });
  });

  it("continues counters py-key-value wrote, in its 0.4 and 0.2 shapes, keeping created_at", async () => {
    const s = store();
    const name = await createdBy(s);
    const createdAt = "2025-01-01T00:00:00+00:00";
    await writeRaw(name, "new", { value: { flattened: { count: 7 } }, created_at: createdAt });
    await writeRaw(name, "old", { value: '{"count": 7}', created_at: createdAt });
    for (const key of ["new", "old"]) {
      expect(await s.increment(key, { collection: name })).toBe(8);
      const [entry] = await s.readEntries([key], { collection: name });
      expect(entry?.createdAt).toBe(Date.parse(createdAt));
      expect(entry?.expiresAt).toBeUndefined();
    }
  });

  it("leaves a value that is not a counter unwritten: same _seq_no, same document", async () => {
    const s = store();
    const name = collection();
    await s.put("v", { count: "1" }, { collection: name });
    const before = await stored(name, "v");
    await expect(s.increment("v", { collection: name })).rejects.toSatisfy(
      NotACounterError.isInstance,
    );
    expect(await stored(name, "v")).toEqual(before);
  });

  it("combines one instance's concurrent increments of a key into few rounds, in call order", async () => {
    const { store: s, requests, reset, closeClient } = recordedStore(store);
    const name = await createdBy(s);

    reset();
    const counts = await Promise.all(
      Array.from({ length: 100 }, () => s.increment("hits", { collection: name })),
    );
    expect(counts).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
    expect(requests.length).toBeLessThanOrEqual(6);
    await closeClient();
  });

  it("lets one increment of a combined round fail without changing what the others add", async () => {
    const s = store();
    const name = collection();
    const max = Number.MAX_SAFE_INTEGER;
    await s.put("c", { count: max - 1 }, { collection: name });
    const outcomes = await Promise.allSettled(
      [1, 5, -3].map((by) => s.increment("c", { collection: name, by })),
    );
    expect(outcomes[0]).toEqual({ status: "fulfilled", value: max });
    expect(
      outcomes[1]?.status === "rejected" && NotACounterError.isInstance(outcomes[1].reason),
    ).toBe(true);
    expect(outcomes[2]).toEqual({ status: "fulfilled", value: max - 3 });
    expect(await s.get("c", { collection: name })).toEqual({ count: max - 3 });
  });

  it("reads again when another writer changed the counter between its read and its write", async () => {
    const racing = rawClient();
    const s = store({ client: racing });
    const name = collection();
    await s.put("c", { count: 1 }, { collection: name });
    writeAfterEachGet(racing, 1, () =>
      writeRaw(name, "c", { value: { flattened: { count: 10 } } }),
    );
    expect(await s.increment("c", { collection: name })).toBe(11);
    expect(await s.get("c", { collection: name })).toEqual({ count: 11 });
    await racing.close();
  });
});

describe("ElasticsearchStore touch", () => {
  it("writes the stored document back with only expires_at changed", async () => {
    const s = store();
    const name = await createdBy(s);
    const original = {
      value: '{"n": 1}',
      created_at: "2025-01-01T00:00:00+00:00",
      expires_at: "2999-01-01T00:00:00+00:00",
    };
    await writeRaw(name, "k", original);
    expect(await s.touch("k", { collection: name, ttl: 100 })).toBe(true);
    const { source } = await stored(name, "k");
    expect(source).toEqual({
      version: 1,
      key: "k",
      collection: name,
      ...original,
      expires_at: expect.stringMatching(pythonTimestamp),
    });
    expect(await s.touch("k", { collection: name, ttl: undefined })).toBe(true);
    expect((await stored(name, "k")).source).not.toHaveProperty("expires_at");
    expect(await s.ttl("k", { collection: name })).toEqual([{ n: 1 }, undefined]);
  });

  it("reads again after another writer's change, and keeps what that writer stored", async () => {
    const racing = rawClient();
    const s = store({ client: racing });
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name });
    writeAfterEachGet(racing, 1, () => writeRaw(name, "k", { value: { flattened: { n: 2 } } }));
    expect(await s.touch("k", { collection: name, ttl: 100 })).toBe(true);
    const [value, ttl] = await s.ttl("k", { collection: name });
    expect(value).toEqual({ n: 2 });
    expect(ttl).toBeGreaterThan(99);
    await racing.close();
  });

  it("gives up with UpdateConflictError when every attempt meets another write", async () => {
    const racing = rawClient();
    const s = store({ client: racing });
    const name = collection();
    await s.put("k", { n: 1 }, { collection: name });
    writeAfterEachGet(racing, Number.POSITIVE_INFINITY, () =>
      writeRaw(name, "k", { value: { flattened: { n: 2 } } }),
    );
    const error = await s.touch("k", { collection: name, ttl: 100 }).catch((caught) => caught);
    expect(UpdateConflictError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 32, operation: "touch", key: "k" });
    await racing.close();
  });
});

describe("ElasticsearchStore setup of an index another store is creating", () => {
  it("waits for its primary shard, so a realtime get right away succeeds", async () => {
    for (let round = 0; round < 5; round++) {
      const name = collection();
      const [writer, reader] = [store(), store()];
      const [, value] = await Promise.all([
        writer.put("k", { n: 1 }, { collection: name }),
        reader.get("k", { collection: name }),
      ]);
      expect([undefined, { n: 1 }]).toContainEqual(value);
    }
  });
});

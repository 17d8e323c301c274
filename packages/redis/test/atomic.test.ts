import { createHash, randomUUID } from "node:crypto";
import {
  DeserializationError,
  formatTimestamp,
  ManualClock,
  NotACounterError,
  parseTimestamp,
  StoreError,
  serializeEntry,
  type Value,
} from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { commandsSent } from "./monitor.ts";
import { PrivateRedis } from "./private-redis.ts";
import { clusterNodes, redisDbUrl } from "./servers.ts";

/** The database of the store-specific tests; this file keeps to a namespace of its own. */
const DB = 14;
const NAMESPACE = `kv-atomic-${randomUUID().slice(0, 8)}`;
const raw = new Redis(redisDbUrl(DB));
const standaloneNode = { host: raw.options.host ?? "127.0.0.1", port: raw.options.port ?? 6379 };
const clusterAddresses = clusterNodes().map((node) => {
  const [host = "127.0.0.1", port = "0"] = node.split(":");
  return { host, port: Number(port) };
});
const stores: RedisStore[] = [];

function standalone(clock?: ManualClock): RedisStore {
  const store = new RedisStore({ url: redisDbUrl(DB), namespace: NAMESPACE, clock });
  stores.push(store);
  return store;
}

function cluster(): RedisStore {
  const store = new RedisStore({ nodes: clusterNodes(), namespace: NAMESPACE });
  stores.push(store);
  return store;
}

/** A collection no other test uses, and the Redis key of `key` in it. */
function place(key = "k"): { collection: string; redisKey: string } {
  const collection = `c-${randomUUID().slice(0, 8)}`;
  return { collection, redisKey: `${NAMESPACE}:${collection}::${key}` };
}

/** The stored document, parsed, with its timestamps in epoch ms. */
async function storedEntry(redisKey: string) {
  const document = JSON.parse((await raw.get(redisKey)) ?? "null");
  return {
    value: document.value as Value,
    createdAt: parseTimestamp(document.created_at),
    expiresAt: document.expires_at === undefined ? undefined : parseTimestamp(document.expires_at),
  };
}

afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.destroy();
    await store.close();
  }
});

afterAll(async () => {
  await raw.quit();
});

describe("round trips", () => {
  async function commandsOf(
    store: RedisStore,
    nodes: readonly { host: string; port: number }[],
  ): Promise<Record<string, string[]>> {
    const { collection } = place();
    const sent: Record<string, string[]> = {};
    // Each action runs once before it is watched, so that its script is loaded on the node.
    const each = async (name: string, action: () => Promise<unknown>) => {
      await action();
      const commands = await commandsSent(nodes, collection, action);
      sent[name] = commands.map((command) => command.name);
    };
    await each("putIfAbsent", () => store.putIfAbsent("k", { n: 1 }, { collection, ttl: 60 }));
    const read = await store.getVersioned("k", { collection });
    await each("getVersioned", () => store.getVersioned("k", { collection }));
    await each("putIfVersion", () =>
      store.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection }),
    );
    await each("deleteIfVersion", () =>
      store.deleteIfVersion("k", read?.version ?? "", { collection }),
    );
    await each("increment", () => store.increment("n", { collection, by: 2 }));
    await each("touch", () => store.touch("n", { collection, ttl: 60 }));
    return sent;
  }

  const expected = {
    putIfAbsent: ["evalsha"],
    getVersioned: ["get"],
    putIfVersion: ["evalsha"],
    deleteIfVersion: ["evalsha"],
    increment: ["evalsha"],
    touch: ["evalsha"],
  };

  it("sends one command per atomic operation on a standalone server", async () => {
    expect(await commandsOf(standalone(), [standaloneNode])).toEqual(expected);
  });

  it("sends one command per atomic operation on a Cluster", async () => {
    expect(await commandsOf(cluster(), clusterAddresses)).toEqual(expected);
  });

  it("loads its scripts again after SCRIPT FLUSH (EVALSHA falls back to EVAL)", async () => {
    const server = await PrivateRedis.start();
    const store = new RedisStore({ url: server.url });
    const admin = new Redis(server.port, "127.0.0.1");
    try {
      expect(await store.increment("n")).toBe(1);
      await admin.script("FLUSH");
      expect(await store.increment("n")).toBe(2);
      expect(await store.putIfAbsent("lock", { owner: 1 })).toBe(true);
      expect(await store.touch("lock", { ttl: 10 })).toBe(true);
    } finally {
      await store.close();
      admin.disconnect();
      await server.dispose();
    }
  });
});

describe("putIfAbsent", () => {
  it("writes the document put would write, with its PX, in one step", async () => {
    const store = standalone();
    const { collection, redisKey } = place();
    expect(await store.putIfAbsent("k", { n: 1 }, { collection, ttl: 30 })).toBe(true);
    const entry = await storedEntry(redisKey);
    expect(await raw.get(redisKey)).toBe(serializeEntry(entry, { collection, key: "k" }));
    expect((entry.expiresAt ?? 0) - entry.createdAt).toBe(30_000);
    expect(await raw.pttl(redisKey)).toBeGreaterThan(29_000);
  });

  it("leaves a key holding something that is not an entry document alone", async () => {
    const store = standalone();
    const { collection, redisKey } = place();
    await raw.set(redisKey, "not a document");
    expect(await store.putIfAbsent("k", { n: 1 }, { collection })).toBe(false);
    expect(await raw.get(redisKey)).toBe("not a document");
  });
});

describe("an entry is live while its key exists and its expires_at is later, as reads judge", () => {
  // py-key-value writes whole seconds of EX (at least 1), so its keys can outlive expires_at.
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  const forms: Record<string, (ms: number) => string | number> = {
    "this library's": (ms) => formatTimestamp(ms),
    "microseconds beyond the millisecond": (ms) => formatTimestamp(ms).replace("000+", "999+"),
    "toISOString's Z": iso,
    "Python's without a fraction": (ms) => `${iso(ms).slice(0, 19)}+00:00`,
    "a space and no zone": (ms) => iso(ms).slice(0, 19).replace("T", " "),
    "a +02:00 offset": (ms) => `${iso(ms + 7_200_000).slice(0, 19)}+02:00`,
    "a -0130 offset": (ms) => `${iso(ms - 5_400_000).slice(0, 19)}-0130`,
    "epoch milliseconds": (ms) => ms,
  };

  /** A document expiring at `expiresAt`, in a key without PX. */
  async function plant(redisKey: string, collection: string, expiresAt: string | number) {
    const document = {
      collection,
      created_at: formatTimestamp(now - 60_000),
      expires_at: expiresAt,
      key: "k",
      value: { old: true },
      version: 1,
    };
    await raw.set(redisKey, JSON.stringify(document));
  }

  for (const [name, form] of Object.entries(forms)) {
    it(`reads expires_at in ${name} form as reads do`, async () => {
      const store = standalone(new ManualClock(now));
      const expired = place();
      const live = place();
      await plant(expired.redisKey, expired.collection, form(now));
      await plant(live.redisKey, live.collection, form(now + 1000));
      expect(await store.get("k", { collection: expired.collection })).toBeUndefined();
      expect(await store.get("k", { collection: live.collection })).toEqual({ old: true });
      expect(await store.putIfAbsent("k", { n: 1 }, { collection: expired.collection })).toBe(true);
      expect(await store.putIfAbsent("k", { n: 1 }, { collection: live.collection })).toBe(false);
      expect(await store.get("k", { collection: expired.collection })).toEqual({ n: 1 });
    });
  }

  it("starts an expired counter at 0, and touches neither it nor a versioned write", async () => {
    const store = standalone(new ManualClock(now));
    const counter = place();
    await plant(counter.redisKey, counter.collection, formatTimestamp(now));
    expect(await store.touch("k", { collection: counter.collection, ttl: 10 })).toBe(false);
    expect(await store.increment("k", { collection: counter.collection })).toBe(1);
    expect((await storedEntry(counter.redisKey)).createdAt).toBe(now);

    const versioned = place();
    await plant(versioned.redisKey, versioned.collection, formatTimestamp(now + 1));
    const read = await store.getVersioned("k", { collection: versioned.collection });
    const clock = new ManualClock(now + 1);
    const later = standalone(clock);
    const { collection } = versioned;
    expect(await later.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection })).toBe(
      false,
    );
    expect(await later.deleteIfVersion("k", read?.version ?? "", { collection })).toBe(false);
    expect(JSON.parse((await raw.get(versioned.redisKey)) ?? "null").value).toEqual({ old: true });
  });
});

describe("versions", () => {
  it("are the SHA1 of the stored document, bound to the key", async () => {
    const store = standalone();
    const { collection, redisKey } = place();
    await store.put("k", { text: "héllo 🙂" }, { collection });
    const stored = (await raw.getBuffer(redisKey)) ?? Buffer.alloc(0);
    const sha = createHash("sha1").update(stored).digest("hex");
    const read = await store.getVersioned("k", { collection });
    expect(read?.version.endsWith(`.${sha}`)).toBe(true);
  });

  it("change when touch or increment rewrite the document", async () => {
    const store = standalone();
    const { collection } = place();
    await store.put("k", { count: 1 }, { collection, ttl: 60 });
    const first = await store.getVersioned("k", { collection });
    await store.touch("k", { collection, ttl: 120 });
    const touched = await store.getVersioned("k", { collection });
    expect(touched?.version).not.toBe(first?.version);
    await store.increment("k", { collection });
    expect(await store.putIfVersion("k", { n: 1 }, touched?.version ?? "", { collection })).toBe(
      false,
    );
  });

  it("stay the same when a write leaves the same bytes", async () => {
    const store = standalone(new ManualClock(Date.UTC(2030, 0, 1)));
    const { collection } = place();
    await store.put("k", { n: 1 }, { collection });
    const read = await store.getVersioned("k", { collection });
    await store.put("k", { n: 1 }, { collection });
    expect(await store.putIfVersion("k", { n: 2 }, read?.version ?? "", { collection })).toBe(true);

    await store.increment("c", { collection });
    const counted = await store.getVersioned("c", { collection });
    await store.increment("c", { collection });
    await store.increment("c", { collection, by: -1 });
    expect(await store.getVersioned("c", { collection })).toEqual(counted);
  });
});

describe("increment", () => {
  it("writes a counter as put would write { count }, keeping created_at, expires_at and PX", async () => {
    const store = standalone();
    const { collection, redisKey } = place("hits");
    expect(await store.increment("hits", { collection, ttl: 100 })).toBe(1);
    const created = await storedEntry(redisKey);
    expect((created.expiresAt ?? 0) - created.createdAt).toBe(100_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = await raw.pttl(redisKey);
    expect(await store.increment("hits", { collection, by: 41, ttl: 5 })).toBe(42);
    expect(await raw.get(redisKey)).toBe(
      serializeEntry({ ...created, value: { count: 42 } }, { collection, key: "hits" }),
    );
    expect(await raw.pttl(redisKey)).toBeLessThanOrEqual(before);
    expect(await store.get("hits", { collection })).toEqual({ count: 42 });
  });

  it("gives a counter a new expires_at and PX with refreshTtl, or neither without a ttl", async () => {
    const store = standalone();
    const { collection, redisKey } = place("hits");
    await store.increment("hits", { collection, ttl: 10 });
    const created = await storedEntry(redisKey);
    await store.increment("hits", { collection, ttl: 1000, refreshTtl: true });
    const refreshed = await storedEntry(redisKey);
    expect(refreshed.createdAt).toBe(created.createdAt);
    expect((refreshed.expiresAt ?? 0) - Date.now()).toBeGreaterThan(990_000);
    expect(await raw.pttl(redisKey)).toBeGreaterThan(990_000);
    await store.increment("hits", { collection, refreshTtl: true });
    expect(await raw.get(redisKey)).toBe(
      serializeEntry(
        { value: { count: 3 }, createdAt: created.createdAt, expiresAt: undefined },
        { collection, key: "hits" },
      ),
    );
    expect(await raw.pttl(redisKey)).toBe(-1);
  });

  it("continues a counter py-key-value wrote, keeping its layout byte for byte", async () => {
    const store = standalone();
    const { collection, redisKey } = place("hits");
    const expires = formatTimestamp(Date.now() + 60_000).replace("000+", "456+");
    const python = (count: number) =>
      `{"collection": "${collection}", "created_at": "2026-11-23T05:04:57.123456+00:00", "expires_at": "${expires}", "key": "hits", "value": {"count": ${count}}, "version": 1}`;
    await raw.set(redisKey, python(5), "PX", 60_000);
    expect(await store.increment("hits", { collection })).toBe(6);
    expect(await raw.get(redisKey)).toBe(python(6));
    expect(await raw.pttl(redisKey)).toBeGreaterThan(58_000);
  });

  it("continues a counter whose value is stored as a JSON string, storing it as an object", async () => {
    const store = standalone();
    const { collection, redisKey } = place("hits");
    await raw.set(redisKey, '{"value": "{\\"count\\": 2}", "version": 1}');
    expect(await store.increment("hits", { collection })).toBe(3);
    expect(await raw.get(redisKey)).toBe('{"value": {"count": 3}, "version": 1}');
  });

  it("refuses what is not a counter with NotACounterError, leaving the key's bytes and PX", async () => {
    const store = standalone();
    const cases: [stored: Value, by: number][] = [
      [{ name: "x" }, 1],
      [{ count: "1" }, 1],
      [{ count: 1.5 }, 1],
      [{ count: 1, other: 2 }, 1],
      [{ count: [1] }, 1],
      [{}, 1],
      [{ count: Number.MAX_SAFE_INTEGER }, 1],
      [{ count: -Number.MAX_SAFE_INTEGER }, -1],
    ];
    for (const [stored, by] of cases) {
      const { collection, redisKey } = place("v");
      await store.put("v", stored, { collection, ttl: 60 });
      const before = await raw.get(redisKey);
      await expect(store.increment("v", { collection, by })).rejects.toSatisfy(
        NotACounterError.isInstance,
      );
      expect(await raw.get(redisKey)).toBe(before);
      expect(await raw.pttl(redisKey)).toBeGreaterThan(58_000);
    }
    const { collection, redisKey } = place("v");
    await raw.set(redisKey, "not a document");
    await expect(store.increment("v", { collection })).rejects.toSatisfy(
      NotACounterError.isInstance,
    );
    expect(await raw.get(redisKey)).toBe("not a document");
  });

  it("counts up to the largest safe integer", async () => {
    const store = standalone();
    const { collection } = place("v");
    await store.put("v", { count: Number.MAX_SAFE_INTEGER - 1 }, { collection });
    expect(await store.increment("v", { collection })).toBe(Number.MAX_SAFE_INTEGER);
    expect(await store.get("v", { collection })).toEqual({ count: Number.MAX_SAFE_INTEGER });
    expect(await store.increment("v", { collection, by: -(2 ** 53 - 2) })).toBe(1);
  });

  it("reports a key holding another Redis type as StoreError", async () => {
    const store = standalone();
    const { collection, redisKey } = place("v");
    await raw.hset(redisKey, "field", "1");
    const failure = store.increment("v", { collection });
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.not.toSatisfy(NotACounterError.isInstance);
  });
});

describe("touch", () => {
  it("rewrites only expires_at and sets PX with it, or removes both", async () => {
    const store = standalone();
    const { collection, redisKey } = place();
    const value = { text: 'quote" ✓', list: [1, { deep: null }] };
    await store.put("k", value, { collection, ttl: 5 });
    const { createdAt } = await storedEntry(redisKey);
    expect(await store.touch("k", { collection, ttl: 100 })).toBe(true);
    const { expiresAt } = await storedEntry(redisKey);
    expect(await raw.get(redisKey)).toBe(
      serializeEntry({ value, createdAt, expiresAt }, { collection, key: "k" }),
    );
    expect((expiresAt ?? 0) - Date.now()).toBeGreaterThan(99_000);
    expect(await raw.pttl(redisKey)).toBeGreaterThan(99_000);
    expect(await store.touch("k", { collection, ttl: undefined })).toBe(true);
    expect(await raw.get(redisKey)).toBe(
      serializeEntry({ value, createdAt, expiresAt: undefined }, { collection, key: "k" }),
    );
    expect(await raw.pttl(redisKey)).toBe(-1);
  });

  it("keeps py-key-value's layout, adding expires_at in its sorted place", async () => {
    const store = standalone(new ManualClock(Date.UTC(2030, 0, 1)));
    const { collection, redisKey } = place();
    const python = (expires: string) =>
      `{"collection": "${collection}", "created_at": "2026-11-23T05:04:57.123456+00:00", ${expires}"key": "k", "value": {"n": 1.5, "s": "\\u00e9"}, "version": 1}`;
    await raw.set(redisKey, python(""));
    expect(await store.touch("k", { collection, ttl: 60 })).toBe(true);
    expect(await raw.get(redisKey)).toBe(
      python('"expires_at": "2030-01-01T00:01:00.000000+00:00", '),
    );
    expect(await raw.pttl(redisKey)).toBeGreaterThan(59_000);
  });

  it("refuses a key holding something that is not an entry document, leaving it", async () => {
    const store = standalone();
    const { collection, redisKey } = place();
    await raw.set(redisKey, '["not", "an", "entry"]');
    await expect(store.touch("k", { collection, ttl: 10 })).rejects.toSatisfy(
      DeserializationError.isInstance,
    );
    expect(await raw.get(redisKey)).toBe('["not", "an", "entry"]');
    expect(await raw.pttl(redisKey)).toBe(-1);
  });
});

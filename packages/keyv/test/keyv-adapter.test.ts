import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withoutCapabilities } from "@kv/conformance";
import { KEYV_VALUE_FIELD, toKeyvStore } from "@kv/keyv";
import { MemoryStore } from "@kv/memory";
import {
  InvalidKeyError,
  InvalidTtlError,
  ManualClock,
  SerializationError,
  StoreClosedError,
  StoreConfigurationError,
} from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import Keyv from "keyv";
import { describe, expect, it } from "vitest";

const year = 365.25 * 24 * 3600 * 1000;

describe("toKeyvStore: TTLs", () => {
  it("expires an entry exactly `ttl` milliseconds after the store's clock, for any whole-millisecond TTL up to 100 years", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = new MemoryStore({ clock });
    const adapter = toKeyvStore(store);
    const samples = [1, 7, 999, 1000, 1001, 1234, 59_999, 86_400_001, 2 ** 31 + 1, 100 * year];
    for (let index = 0; index < 2000; index++) {
      samples.push(1 + Math.floor(Math.random() * 10 ** (1 + (index % 12))));
    }
    for (const [index, ms] of samples.entries()) {
      clock.advance(index % 997);
      await adapter.set(`k${index}`, "v", ms);
      const [entry] = await store.readEntries([`k${index}`]);
      expect(entry?.expiresAt, `ttl ${ms} ms`).toBe(clock.now() + ms);
    }
  });

  it("reads no TTL and 0 as 'never expires', as Keyv does", async () => {
    const store = new MemoryStore();
    const adapter = toKeyvStore(store);
    await adapter.set("a", "v");
    await adapter.set("b", "v", 0);
    expect(await store.ttlMany(["a", "b"])).toEqual([
      [{ [KEYV_VALUE_FIELD]: "v" }, undefined],
      [{ [KEYV_VALUE_FIELD]: "v" }, undefined],
    ]);
  });

  it("refuses negative, non-finite and non-numeric TTLs with InvalidTtlError, writing nothing", async () => {
    const store = new MemoryStore();
    const adapter = toKeyvStore(store);
    for (const ttl of [-1, Number.NaN, Number.POSITIVE_INFINITY, "60" as unknown as number]) {
      await expect(adapter.set("k", "v", ttl)).rejects.toSatisfy(InvalidTtlError.isInstance);
    }
    await expect(adapter.set("k", "v", 101 * year)).rejects.toSatisfy(InvalidTtlError.isInstance);
    expect(await store.get("k")).toBeUndefined();
  });

  it("expires a raw record given without a TTL at its absolute `expires`, and deletes one already past it", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const adapter = toKeyvStore(store);
    const expires = Date.now() + 30_000;
    await adapter.set("live", { value: 1, expires });
    const [, ttl] = await store.ttl("live");
    expect(ttl).toBeGreaterThan(29);
    expect(ttl).toBeLessThanOrEqual(30 + (clock.now() - Date.now() + 1000) / 1000);

    await store.put("past", { value: 0 });
    await adapter.set("past", { value: 2, expires: Date.now() - 1 });
    expect(await store.get("past")).toBeUndefined();
  });

  it("gives each entry of setMany its own TTL", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    await toKeyvStore(store).setMany([
      { key: "a", value: "1", ttl: 1500 },
      { key: "b", value: "2" },
      { key: "c", value: "3", ttl: 1500 },
      { key: "d", value: "4", ttl: 60_000 },
    ]);
    const entries = await store.readEntries(["a", "b", "c", "d"]);
    expect(entries.map((entry) => entry && (entry.expiresAt ?? 0) - clock.now())).toEqual([
      1500,
      -clock.now(),
      1500,
      60_000,
    ]);
  });
});

describe("toKeyvStore: values", () => {
  it("keeps a JSON object as it is and wraps anything else in { __keyv_value__ }", async () => {
    const store = new MemoryStore();
    const adapter = toKeyvStore(store, { collection: "cache" });
    const expires = Date.now() + 60_000;
    const values: [string, unknown][] = [
      ["text", '{"value":"bar","expires":1}'],
      ["object", { value: { a: [1, 2] }, expires }],
      ["number", 42],
      ["null", null],
      ["list", [1, "two"]],
      ["marker", { [KEYV_VALUE_FIELD]: "looks wrapped" }],
    ];
    for (const [key, value] of values) await adapter.set(key, value);
    for (const [key, value] of values) expect(await adapter.get(key)).toEqual(value);
    expect(await adapter.getMany(values.map(([key]) => key))).toEqual(
      values.map(([, value]) => value),
    );

    expect(await store.get("text", { collection: "cache" })).toEqual({
      [KEYV_VALUE_FIELD]: '{"value":"bar","expires":1}',
    });
    expect(await store.get("object", { collection: "cache" })).toEqual({
      value: { a: [1, 2] },
      expires,
    });
    expect(await store.get("marker", { collection: "cache" })).toEqual({
      [KEYV_VALUE_FIELD]: { [KEYV_VALUE_FIELD]: "looks wrapped" },
    });
  });

  it("refuses values JSON cannot hold with SerializationError, writing nothing", async () => {
    const store = new MemoryStore();
    const adapter = toKeyvStore(store);
    for (const value of [undefined, Buffer.from("x"), { value: new Date() }, { value: 1n }]) {
      await expect(adapter.set("k", value)).rejects.toSatisfy(SerializationError.isInstance);
    }
    expect(await store.get("k")).toBeUndefined();
  });

  it("refuses an invalid collection name when it is made", () => {
    expect(() => toKeyvStore(new MemoryStore(), { collection: "" })).toThrow(InvalidKeyError);
  });
});

describe("toKeyvStore: keys and namespaces", () => {
  it("stores Keyv's keys as they come, namespace prefix included, in the collection given", async () => {
    const store = new MemoryStore();
    await new Keyv({ store: toKeyvStore(store, { collection: "sessions" }), namespace: "app" }).set(
      "s1",
      "x",
    );
    expect(await store.keys({ collection: "sessions" })).toEqual(["app:s1"]);
    expect(await store.keys()).toEqual([]);
  });

  it("clears only the keys of its namespace, and the whole collection without a namespace", async () => {
    const store = new MemoryStore();
    const adapter = (namespace: string | undefined) => {
      const keyv = new Keyv({ store: toKeyvStore(store, { collection: "c" }) });
      keyv.namespace = namespace;
      return keyv;
    };
    await adapter("one").set("k", 1);
    await adapter("two").set("k", 2);
    await store.put("other", { kept: true }, { collection: "c" });
    await adapter("one").clear();
    expect((await store.keys({ collection: "c" })).sort()).toEqual(["other", "two:k"]);
    await adapter(undefined).clear();
    expect(await store.keys({ collection: "c" })).toEqual([]);
  });

  it("clears and iterates in batches beyond one page of keys", async () => {
    const store = new MemoryStore();
    const keyv = new Keyv({ store: toKeyvStore(store) });
    await keyv.setMany(
      Array.from({ length: 1234 }, (_, index) => ({ key: `k${index}`, value: index })),
    );
    const adapter = toKeyvStore(store);
    adapter.namespace = "keyv";
    let count = 0;
    for await (const [key] of adapter.iterator?.() ?? []) if (key.startsWith("keyv:k")) count++;
    expect(count).toBe(1234);
    await keyv.clear();
    expect(await store.keys()).toEqual([]);
  });

  it("has no iterator, and clear() says StoreConfigurationError, over a store that cannot list keys", async () => {
    const store = withoutCapabilities(new MemoryStore(), "keys", "destroyCollection");
    const adapter = toKeyvStore(store);
    adapter.namespace = "keyv";
    expect(adapter.iterator).toBeUndefined();
    await expect(adapter.clear()).rejects.toSatisfy(StoreConfigurationError.isInstance);
  });

  it("clears a whole collection without a namespace on a store that can destroy collections but not list keys", async () => {
    const store = withoutCapabilities(new MemoryStore(), "keys");
    await store.put("k", { a: 1 }, { collection: "c" });
    await toKeyvStore(store, { collection: "c" }).clear();
    expect(await store.get("k", { collection: "c" })).toBeUndefined();
  });

  it("answers has, hasMany, delete and deleteMany as Keyv expects", async () => {
    const adapter = toKeyvStore(new MemoryStore());
    await adapter.setMany([
      { key: "a", value: "1" },
      { key: "b", value: "2" },
    ]);
    expect(await adapter.has("a")).toBe(true);
    expect(await adapter.hasMany(["a", "x", "b"])).toEqual([true, false, true]);
    expect(await adapter.deleteMany(["a", "x"])).toBe(false);
    expect(await adapter.deleteMany(["b", "b"])).toBe(true);
    expect(await adapter.delete("b")).toBe(false);
  });
});

describe("toKeyvStore: errors and disconnecting", () => {
  it("throws the store's typed errors, which Keyv passes on with throwOnErrors", async () => {
    const directory = mkdtempSync(join(tmpdir(), "kv-keyv-close-"));
    try {
      const store = new SqliteStore({ path: join(directory, "db.sqlite") });
      const keyv = new Keyv({ store: toKeyvStore(store), throwOnErrors: true });
      await keyv.set("k", "v");
      await keyv.disconnect();
      await expect(keyv.set("k", "w")).rejects.toSatisfy(StoreClosedError.isInstance);
      await expect(keyv.get("k")).rejects.toSatisfy(StoreClosedError.isInstance);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("is accepted where Keyv's types ask for a storage adapter", () => {
    const keyv: Keyv = new Keyv(toKeyvStore(new MemoryStore()));
    expect(keyv.store).toBeDefined();
  });
});

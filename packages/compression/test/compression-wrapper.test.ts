import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { CompressionWrapper, DecompressionError } from "@kv/compression";
import { MemoryStore } from "@kv/memory";
import { isTransientError, KeyValueError, supportsKeys, type Value } from "@kv/protocol";
import { describe, expect, it } from "vitest";

interface FixtureEntry {
  collection: string;
  key: string;
  value: Value;
  stored: Value;
}

function fixture(name: string): { entries: FixtureEntry[] } {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8"));
}

/** A value whose UTF-8 JSON is exactly `bytes` long and compresses well. */
function valueOfSize(bytes: number): Value {
  return { text: "a".repeat(bytes - '{"text":""}'.length) };
}

function setup(options?: ConstructorParameters<typeof CompressionWrapper>[1]) {
  const inner = new MemoryStore();
  return { inner, store: new CompressionWrapper(inner, options) };
}

const fields = ["__compressed_data__", "__compression_version__", "__compression_algorithm__"];
const large = { rows: Array.from({ length: 200 }, (_, id) => ({ id, name: `user ${id}` })) };

describe("CompressionWrapper", () => {
  it("stores a value below minBytes (1024 by default) as it is", async () => {
    const { inner, store } = setup();
    await store.put("k", valueOfSize(1023));
    expect(await inner.get("k")).toEqual(valueOfSize(1023));
    expect(await store.get("k")).toEqual(valueOfSize(1023));
  });

  it("compresses a value whose UTF-8 JSON reaches minBytes into py-key-value's form", async () => {
    const { inner, store } = setup();
    await store.put("k", valueOfSize(1024));
    const stored = (await inner.get("k")) ?? {};
    expect(Object.keys(stored)).toEqual(fields);
    expect(stored.__compression_version__).toBe(1);
    expect(stored.__compression_algorithm__).toBe("gzip");
    expect(await store.get("k")).toEqual(valueOfSize(1024));
  });

  it("counts bytes, not characters: multi-byte text reaches the threshold sooner", async () => {
    const { inner, store } = setup({ minBytes: 600 });
    await store.put("k", { text: "é".repeat(300) });
    expect(Object.keys((await inner.get("k")) ?? {})).toEqual(fields);
  });

  it("writes base64 of a gzip stream holding the value's UTF-8 JSON (what Python's gzip.decompress reads)", async () => {
    const { inner, store } = setup({ minBytes: 0 });
    const value = { ...large, text: "naïve café ☕ 東京 🚀" };
    await store.put("k", value);
    const data = String((await inner.get("k"))?.__compressed_data__);
    expect(data).toMatch(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
    const bytes = Buffer.from(data, "base64");
    expect([...bytes.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]);
    const json = Buffer.from(JSON.stringify(value), "utf8");
    expect(bytes.readUInt32LE(bytes.length - 4)).toBe(json.length);
    expect(gunzipSync(bytes)).toEqual(json);
  });

  it("reads values written by py-key-value's CompressionWrapper (committed fixture)", async () => {
    const { inner, store } = setup();
    const { entries } = fixture("python-gzip.json");
    expect(entries.filter((entry) => "__compressed_data__" in entry.stored)).toHaveLength(3);
    for (const { collection, key, stored } of entries) await inner.put(key, stored, { collection });
    for (const { collection, key, value } of entries) {
      expect(await store.get(key, { collection })).toEqual(value);
    }
  });

  it("reads the values committed for py-key-value to check, so the stored form stays stable", async () => {
    const { inner, store } = setup();
    for (const { collection, key, stored, value } of fixture("typescript-gzip.json").entries) {
      await inner.put(key, stored, { collection });
      expect(await store.get(key, { collection })).toEqual(value);
      await store.put(key, value, { collection });
      expect(Object.keys((await inner.get(key, { collection })) ?? {})).toEqual(
        Object.keys(stored),
      );
    }
  });

  it("reads values stored without the wrapper, so it can be added to a store in use", async () => {
    const { inner, store } = setup({ minBytes: 0 });
    await inner.put("old", large);
    await store.put("new", large);
    expect(await store.getMany(["old", "new", "missing"])).toEqual([large, large, undefined]);
  });

  it("stores a value as it is when compression would not make it smaller", async () => {
    const { inner, store } = setup({ minBytes: 0 });
    const noise = { noise: randomBytes(3000).toString("base64") };
    await store.put("k", noise);
    expect(await inner.get("k")).toEqual(noise);
  });

  it("always compresses a value with a __compressed_data__ field of its own, and reads it back unchanged", async () => {
    const { inner, store } = setup();
    const value = { __compressed_data__: "mine", __compression_version__: 7 };
    await store.put("k", value);
    expect(Object.keys((await inner.get("k")) ?? {})).toEqual(fields);
    expect(await store.get("k")).toEqual(value);
  });

  it("compresses every entry of putMany and restores them in getMany, ttl and ttlMany with their TTL", async () => {
    const { inner, store } = setup({ minBytes: 100 });
    await store.putMany(
      [
        ["big", large],
        ["small", { a: 1 }],
      ],
      { collection: "c", ttl: 60 },
    );
    expect(Object.keys((await inner.get("big", { collection: "c" })) ?? {})).toEqual(fields);
    expect(await inner.get("small", { collection: "c" })).toEqual({ a: 1 });
    expect(await store.getMany(["big", "small"], { collection: "c" })).toEqual([large, { a: 1 }]);
    const [value, ttl] = await store.ttl("big", { collection: "c" });
    expect(value).toEqual(large);
    expect(ttl).toBeGreaterThan(59);
    const many = await store.ttlMany(["big", "small", "gone"], { collection: "c" });
    expect(many.map(([v]) => v)).toEqual([large, { a: 1 }, undefined]);
  });

  it("compresses and decompresses large values on zlib's thread pool, in the same format", async () => {
    const { inner, store } = setup();
    const value = { hex: randomBytes(100_000).toString("hex") };
    await store.put("k", value);
    const data = String((await inner.get("k"))?.__compressed_data__);
    expect(Buffer.from(data, "base64").length).toBeGreaterThan(16 * 1024);
    expect(JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString("utf8"))).toEqual(value);
    expect(await store.get("k")).toEqual(value);
  });

  it("compresses harder at a higher level", async () => {
    const fast = setup({ level: 1 });
    const small = setup({ level: 9 });
    const value = {
      rows: Array.from({ length: 300 }, (_, id) => ({
        id,
        name: ["Ada", "Grace", "Alan"][id % 3],
        score: ((id * 7919) % 1000) / 7,
        mail: `u${id}@example.com`,
      })),
    };
    await fast.store.put("k", value);
    await small.store.put("k", value);
    const size = async (inner: MemoryStore) =>
      String((await inner.get("k"))?.__compressed_data__).length;
    expect(await size(small.inner)).toBeLessThan(await size(fast.inner));
    expect(await small.store.get("k")).toEqual(value);
  });

  describe("throws DecompressionError (not transient) for compressed data it cannot restore", () => {
    const gzip = (text: string) => gzipSync(Buffer.from(text)).toString("base64");
    const broken: Record<string, Value> = {
      "data that is not base64 of gzip (py-key-value returns such a value as it is)": {
        __compressed_data__: "invalid-base64-data!!!",
        __compression_version__: 1,
      },
      "a truncated stream": {
        __compressed_data__: gzip(JSON.stringify(large)).slice(0, 40),
      },
      "data that is not a string": { __compressed_data__: 42 },
      "another algorithm": { __compressed_data__: gzip("{}"), __compression_algorithm__: "zstd" },
      "another version": { __compressed_data__: gzip("{}"), __compression_version__: 2 },
      "JSON that is not an object": { __compressed_data__: gzip("[1, 2]") },
      "text that is not JSON": { __compressed_data__: gzip("hello") },
    };
    for (const [label, stored] of Object.entries(broken)) {
      it(label, async () => {
        const { inner, store } = setup();
        await inner.put("k", stored, { collection: "c" });
        const error = await store.get("k", { collection: "c" }).catch((e: unknown) => e);
        expect(DecompressionError.isInstance(error)).toBe(true);
        expect(KeyValueError.isInstance(error)).toBe(true);
        expect(isTransientError(error)).toBe(false);
        expect(error).toMatchObject({ operation: "get", collection: "c", key: "k" });
        expect((error as Error).cause).toBeDefined();
        await expect(store.getMany(["k"], { collection: "c" })).rejects.toThrow(DecompressionError);
        await expect(store.ttl("k", { collection: "c" })).rejects.toThrow(DecompressionError);
      });
    }
  });

  it("refuses options that cannot work with RangeError", () => {
    const inner = new MemoryStore();
    expect(() => new CompressionWrapper(inner, { minBytes: -1 })).toThrow(RangeError);
    expect(() => new CompressionWrapper(inner, { minBytes: Number.NaN })).toThrow(RangeError);
    expect(() => new CompressionWrapper(inner, { level: 0 })).toThrow(RangeError);
    expect(() => new CompressionWrapper(inner, { level: 10 })).toThrow(RangeError);
    expect(() => new CompressionWrapper(inner, { level: 1.5 })).toThrow(RangeError);
  });

  it("keeps the inner store's capabilities, listing keys as written", async () => {
    const { store } = setup({ minBytes: 0 });
    await store.put("k", large);
    expect(supportsKeys(store)).toBe(true);
    expect(await store.keys?.()).toEqual(["k"]);
  });
});

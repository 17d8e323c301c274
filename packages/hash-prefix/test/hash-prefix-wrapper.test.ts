import { createHash } from "node:crypto";
import { expectNamesApart, hostileNames, indexedEntries, sorted } from "@kv/conformance";
import { HashPrefixWrapper } from "@kv/hash-prefix";
import { MemoryStore } from "@kv/memory";
import { capabilityNames, InvalidKeyError, supports } from "@kv/protocol";
import { describe, expect, it } from "vitest";

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

describe("HashPrefixWrapper", () => {
  it("stores each key behind the first two hex characters of its SHA-256 and a slash", async () => {
    const inner = new MemoryStore();
    const store = new HashPrefixWrapper(inner);
    await store.put("user-1", { name: "Ada" }, { collection: "users" });
    const stored = `${sha256("user-1").slice(0, 2)}/user-1`;
    expect(await inner.keys({ collection: "users" })).toEqual([stored]);
    expect(await inner.get(stored, { collection: "users" })).toEqual({ name: "Ada" });
    expect(await store.get("user-1", { collection: "users" })).toEqual({ name: "Ada" });
  });

  it("takes prefixLength characters of the hash and the separator given", async () => {
    const inner = new MemoryStore();
    const store = new HashPrefixWrapper(inner, { prefixLength: 6, separator: "" });
    await store.putMany([["k", { n: 1 }]], { ttl: 60 });
    expect(await inner.keys()).toEqual([`${sha256("k").slice(0, 6)}k`]);
    expect(store.prefixLength).toBe(6);
    expect(store.separator).toBe("");
  });

  it("reads entries written in the same layout by another client", async () => {
    const inner = new MemoryStore();
    await inner.put(`${sha256("report.pdf").slice(0, 4)}:report.pdf`, { size: 3 }, { ttl: 60 });
    const store = new HashPrefixWrapper(inner, { prefixLength: 4, separator: ":" });
    const [value, ttl] = await store.ttl("report.pdf");
    expect(value).toEqual({ size: 3 });
    expect(ttl).toBeGreaterThan(59);
    expect(await store.delete("report.pdf")).toBe(true);
    expect(await inner.keys()).toEqual([]);
  });

  it("spreads sequential keys evenly over the possible prefixes", async () => {
    const inner = new MemoryStore();
    const store = new HashPrefixWrapper(inner, { prefixLength: 1 });
    const keys = Array.from(
      { length: 4096 },
      (_, index) => `order-${String(index).padStart(6, "0")}`,
    );
    await store.putMany(keys.map((key) => [key, { key }]));
    const counts = new Map<string, number>();
    for (const stored of await inner.keys()) {
      counts.set(stored.slice(0, 1), (counts.get(stored.slice(0, 1)) ?? 0) + 1);
    }
    expect(counts.size).toBe(16);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(256 * 0.7);
      expect(count).toBeLessThan(256 * 1.3);
    }
  });

  it("lists the original keys and hides stored keys whose hash does not match", async () => {
    const inner = new MemoryStore();
    const store = new HashPrefixWrapper(inner);
    const right = sha256("a").slice(0, 2);
    const wrong = right === "00" ? "01" : "00";
    await inner.putMany(
      ["plain", `${wrong}/a`, `${right}:a`, `${right}/`, `${right.toUpperCase()}/a`].map((key) => [
        key,
        { foreign: true },
      ]),
    );
    await store.putMany([
      ["a", { n: 1 }],
      ["b/c", { n: 2 }],
      [`${right}/a`, { n: 3 }],
    ]);
    const expected = ["a", "b/c", `${right}/a`];
    expect(sorted(await store.keys?.())).toEqual(sorted(expected));
    const iterated: string[] = [];
    for await (const key of store.iterateKeys?.() ?? []) iterated.push(key);
    expect(sorted(iterated)).toEqual(sorted(expected));
  });

  it("fills the limit of keys() with its own keys", async () => {
    const inner = new MemoryStore();
    await inner.putMany(indexedEntries("other-", 50));
    const store = new HashPrefixWrapper(inner);
    await store.putMany(indexedEntries("mine-", 5));
    expect(await store.keys?.({ limit: 3 })).toHaveLength(3);
    expect(await store.keys?.({ limit: 10 })).toHaveLength(5);
  });

  it("never lets two (collection, key) pairs meet, whatever characters they hold", async () => {
    const store = new HashPrefixWrapper(new MemoryStore(), { prefixLength: 1, separator: "" });
    const keys = [...hostileNames, sha256("x").slice(0, 1), `${sha256("x").slice(0, 1)}x`];
    const collections = ["c", "a/b", "%", "🙂", "x".repeat(1000)];
    expect(supports(store, "keys")).toBe(true);
    await expectNamesApart(store, collections, keys);
  });

  it("refuses a bad key with InvalidKeyError before hashing it", async () => {
    const inner = new MemoryStore();
    const store = new HashPrefixWrapper(inner);
    await expect(store.put("", { n: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(store.delete("")).rejects.toThrow(InvalidKeyError);
    await expect(store.deleteMany(["ok", "\ud800"])).rejects.toThrow(InvalidKeyError);
    expect(await inner.keys()).toEqual([]);
  });

  it("passes the other capabilities through: destroyCollection empties the inner collection", async () => {
    const inner = new MemoryStore();
    const store = new HashPrefixWrapper(inner);
    await store.put("k", { n: 1 }, { collection: "c" });
    await inner.put("plain", { n: 0 }, { collection: "c" });
    expect(await store.collections?.()).toEqual(["c"]);
    expect(await store.destroyCollection?.("c")).toBe(true);
    expect(await inner.keys({ collection: "c" })).toEqual([]);
  });

  it("has exactly the capabilities of the inner store", () => {
    const inner = new MemoryStore();
    Object.defineProperty(inner, "keys", { value: undefined });
    const store = new HashPrefixWrapper(inner);
    expect(supports(store, "keys")).toBe(false);
    for (const capability of capabilityNames) {
      expect(supports(store, capability), capability).toBe(supports(inner, capability));
    }
  });

  it("refuses a prefixLength that is not 1 to 64 with RangeError and a bad separator with TypeError", () => {
    const inner = new MemoryStore();
    for (const prefixLength of [0, 65, 2.5, Number.NaN, "2"]) {
      expect(() => new HashPrefixWrapper(inner, { prefixLength } as never)).toThrow(RangeError);
    }
    expect(() => new HashPrefixWrapper(inner, { separator: 1 } as never)).toThrow(TypeError);
    expect(new HashPrefixWrapper(inner, { prefixLength: 64 }).prefixLength).toBe(64);
  });
});

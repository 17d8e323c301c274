import { DefaultValueWrapper, type DefaultValueWrapperOptions } from "@kv/default-value";
import { MemoryStore } from "@kv/memory";
import { InvalidKeyError, InvalidTtlError, supportsKeys, type Value } from "@kv/protocol";
import { describe, expect, it } from "vitest";

const defaultValue = { theme: "light", tags: ["new"], limits: { daily: 10 } };

function setup(options: Partial<DefaultValueWrapperOptions> = {}) {
  const inner = new MemoryStore();
  return { inner, store: new DefaultValueWrapper(inner, { defaultValue, ...options }) };
}

describe("DefaultValueWrapper", () => {
  it("reads a missing key as the default in get, getMany, ttl and ttlMany", async () => {
    const { store } = setup();
    expect(await store.get("missing")).toEqual(defaultValue);
    expect(await store.getMany(["a", "b"], { collection: "c" })).toEqual([
      defaultValue,
      defaultValue,
    ]);
    expect(await store.ttl("missing")).toEqual([defaultValue, undefined]);
    expect(await store.ttlMany(["a"])).toEqual([[defaultValue, undefined]]);
  });

  it("returns stored values and their TTLs unchanged", async () => {
    const { store } = setup({ defaultTtl: 100 });
    await store.put("k", { theme: "dark" }, { ttl: 200 });
    expect(await store.get("k")).toEqual({ theme: "dark" });
    expect(await store.getMany(["missing", "k"])).toEqual([defaultValue, { theme: "dark" }]);
    const [[first, firstTtl], [second, secondTtl]] = (await store.ttlMany(["missing", "k"])) as [
      [Value, number],
      [Value, number],
    ];
    expect([first, firstTtl]).toEqual([defaultValue, 100]);
    expect(second).toEqual({ theme: "dark" });
    expect(secondTtl).toBeGreaterThan(199);
  });

  it("reports defaultTtl, in seconds, with the default from ttl and ttlMany", async () => {
    const { store } = setup({ defaultTtl: "5m" });
    expect(await store.ttl("missing")).toEqual([defaultValue, 300]);
    expect(await store.ttlMany(["a", "b"])).toEqual([
      [defaultValue, 300],
      [defaultValue, 300],
    ]);
  });

  it("reads an expired key as the default", async () => {
    const { store } = setup();
    await store.put("k", { theme: "dark" }, { ttl: 0.05 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.get("k")).toEqual(defaultValue);
  });

  it("never writes the default to the inner store", async () => {
    const { inner, store } = setup();
    await store.get("a");
    await store.getMany(["b", "c"]);
    await store.ttl("d");
    await store.ttlMany(["e"]);
    expect(await inner.getMany(["a", "b", "c", "d", "e"])).toEqual(Array(5).fill(undefined));
    expect(await store.keys?.()).toEqual([]);
    expect(await store.delete("a")).toBe(false);
  });

  it("returns a fresh copy each time: mutating one never changes the next", async () => {
    const { store } = setup();
    const first = await store.get("missing");
    first.theme = "mutated";
    (first.tags as string[]).push("mutated");
    (first.limits as { daily: number }).daily = 0;
    expect(await store.get("missing")).toEqual(defaultValue);
    const [a, b] = await store.getMany(["x", "x"]);
    expect(a).not.toBe(b);
    const many = await store.ttlMany(["x", "y"]);
    expect(many[0]?.[0]).not.toBe(many[1]?.[0]);
  });

  it("copies the default when constructed, so changing the options object later changes nothing", async () => {
    const given = { count: 1, nested: { on: true } };
    const store = new DefaultValueWrapper(new MemoryStore(), { defaultValue: given });
    given.count = 2;
    given.nested.on = false;
    expect(await store.get("missing")).toEqual({ count: 1, nested: { on: true } });
  });

  it("still refuses bad input with the protocol's errors instead of answering with the default", async () => {
    const { store } = setup();
    await expect(store.get("")).rejects.toThrow(InvalidKeyError);
    await expect(store.getMany(["ok", ""])).rejects.toThrow(InvalidKeyError);
    await expect(store.ttl("k", { collection: "" })).rejects.toThrow(InvalidKeyError);
    await expect(store.put("k", { a: 1 }, { ttl: 0 })).rejects.toThrow(InvalidTtlError);
  });

  it("refuses a default that is not a JSON object with TypeError, and a bad defaultTtl with RangeError", () => {
    const inner = new MemoryStore();
    for (const bad of [null, [1], "text", new Date(), { n: 10n }, { f: () => 1 }]) {
      expect(() => new DefaultValueWrapper(inner, { defaultValue: bad as Value })).toThrow(
        TypeError,
      );
    }
    for (const defaultTtl of [0, -1, Number.NaN, "soon"]) {
      expect(() => new DefaultValueWrapper(inner, { defaultValue, defaultTtl })).toThrow(
        RangeError,
      );
    }
  });

  it("keeps the inner store's capabilities", async () => {
    const { store } = setup();
    await store.put("k", { a: 1 });
    expect(supportsKeys(store)).toBe(true);
    expect(await store.keys?.()).toEqual(["k"]);
  });
});

import {
  collect,
  expectNamesApart,
  expectOffers,
  hostileNames,
  indexedEntries,
  sorted,
  withoutCapabilities,
} from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { PrefixKeysWrapper } from "@kv/prefix-keys";
import { type Capability, InvalidKeyError, supports } from "@kv/protocol";
import { describe, expect, it } from "vitest";

describe("PrefixKeysWrapper", () => {
  /** The wrapper over a memory store without the named capabilities. */
  const over = (...missing: Capability[]) =>
    new PrefixKeysWrapper(withoutCapabilities(new MemoryStore(), ...missing), { prefix: "app" });

  it("stores each key as <prefix>__<key>, the layout of py-key-value's PrefixKeysWrapper", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    await store.put("user-1", { name: "Ada" }, { collection: "users" });
    await store.put("user-2", { name: "Bo" });
    expect(await inner.keys({ collection: "users" })).toEqual(["app__user-1"]);
    expect(await inner.get("app__user-2")).toEqual({ name: "Bo" });
    expect(await inner.get("user-1", { collection: "users" })).toBeUndefined();
  });

  it("reads entries written under the prefix by another client", async () => {
    const inner = new MemoryStore();
    await inner.put("app__k", { from: "python" }, { ttl: 60 });
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    expect(await store.get("k")).toEqual({ from: "python" });
    const [value, ttl] = await store.ttl("k");
    expect(value).toEqual({ from: "python" });
    expect(ttl).toBeGreaterThan(59);
    expect(await store.delete("k")).toBe(true);
    expect(await inner.get("app__k")).toBeUndefined();
  });

  it("puts the separator given between prefix and key", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "tenant-7", separator: ":" });
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    expect(sorted(await inner.keys())).toEqual(["tenant-7:a", "tenant-7:b"]);
    expect(await store.getMany(["a", "b", "c"])).toEqual([{ n: 1 }, { n: 2 }, undefined]);
  });

  it("lists the original keys and hides keys without the prefix", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    await inner.putMany([
      ["other", { n: 0 }],
      ["app_x", { n: 0 }],
      ["app__", { n: 0 }],
      ["APP__x", { n: 0 }],
      ["xapp__x", { n: 0 }],
    ]);
    await store.putMany([
      ["one", { n: 1 }],
      ["__two", { n: 2 }],
      ["app__three", { n: 3 }],
    ]);
    const expected = ["__two", "app__three", "one"];
    expect(sorted(await store.keys?.())).toEqual(expected);
    expect(sorted(await collect(store.iterateKeys?.()))).toEqual(expected);
  });

  it("fills the limit of keys() with its own keys, however many others the collection holds", async () => {
    const inner = new MemoryStore();
    await inner.putMany(indexedEntries("other-", 50));
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    await store.putMany(indexedEntries("mine-", 5));
    expect(await store.keys?.({ limit: 3 })).toHaveLength(3);
    expect(await store.keys?.({ limit: 10 })).toHaveLength(5);
  });

  it("never lets two (collection, key) pairs meet, whatever characters they hold", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "p" });
    const collections = ["c", "p", "p__c", "a__b", "%", "a/b", "🙂", "x".repeat(1000)];
    const keys = [...hostileNames, "p__", "p__x", "__", "x__"];
    expect(supports(store, "keys")).toBe(true);
    await expectNamesApart(store, collections, keys);
  });

  it("refuses an empty key with InvalidKeyError rather than storing the bare prefix", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    await expect(store.put("", { n: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(store.get("")).rejects.toThrow(InvalidKeyError);
    expect(await inner.keys()).toEqual([]);
  });

  it("destroys only its own keys of a collection", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    const neighbour = new PrefixKeysWrapper(inner, { prefix: "other" });
    await store.putMany(indexedEntries("k", 2500), { collection: "c" });
    await neighbour.put("k1", { kept: true }, { collection: "c" });
    await inner.put("plain", { kept: true }, { collection: "c" });
    expect(await store.destroyCollection?.("c")).toBe(true);
    expect(await store.keys?.({ collection: "c" })).toEqual([]);
    expect(sorted(await inner.keys({ collection: "c" }))).toEqual(["other__k1", "plain"]);
    expect(await store.destroyCollection?.("c")).toBe(false);
  });

  it("destroys only its own keys in every collection", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    await store.put("a", { n: 1 }, { collection: "one" });
    await store.put("b", { n: 2 }, { collection: "two" });
    await inner.put("foreign", { kept: true }, { collection: "two" });
    expect(await store.destroy?.()).toBe(true);
    expect(await inner.collections()).toEqual(["two"]);
    expect(await inner.keys({ collection: "two" })).toEqual(["foreign"]);
    expect(await store.destroy?.()).toBe(false);
  });

  it("names the collection and operation when destroyCollection gets a bad name", async () => {
    const store = new PrefixKeysWrapper(new MemoryStore(), { prefix: "app" });
    const error = await store.destroyCollection?.("").catch((caught: unknown) => caught);
    expect(InvalidKeyError.isInstance(error)).toBe(true);
    expect((error as InvalidKeyError).operation).toBe("destroyCollection");
  });

  it("lists the inner store's collections as they are", async () => {
    const inner = new MemoryStore();
    const store = new PrefixKeysWrapper(inner, { prefix: "app" });
    await store.put("k", { n: 1 }, { collection: "mine" });
    await inner.put("k", { n: 1 }, { collection: "foreign" });
    expect(sorted(await store.collections?.())).toEqual(["foreign", "mine"]);
  });

  it("offers neither destroyCollection nor destroy over a store that cannot list keys", () => {
    expectOffers(over("keys"), {
      keys: false,
      destroyCollection: false,
      destroy: false,
      collections: true,
    });
  });

  it("offers destroyCollection but not destroy over a store that cannot list collections", () => {
    expectOffers(over("collections"), { keys: true, destroyCollection: true, destroy: false });
  });

  it("offers destroyCollection only where the inner store has it", () => {
    expectOffers(over("destroyCollection"), { destroyCollection: false, destroy: true });
  });

  it("refuses a missing or empty prefix and a separator that is not a string with TypeError", () => {
    const inner = new MemoryStore();
    const bad = [{}, { prefix: "" }, { prefix: 7 }, { prefix: "a", separator: null }];
    for (const options of bad) {
      expect(() => new PrefixKeysWrapper(inner, options as never)).toThrow(TypeError);
    }
    expect(() => new PrefixKeysWrapper(inner, undefined as never)).toThrow(TypeError);
  });
});

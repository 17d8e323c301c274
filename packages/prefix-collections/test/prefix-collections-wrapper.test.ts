import {
  expectNamesApart,
  expectOffers,
  hostileNames,
  sorted,
  withoutCapabilities,
} from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { PrefixCollectionsWrapper } from "@kv/prefix-collections";
import { type Capability, InvalidKeyError } from "@kv/protocol";
import { describe, expect, it } from "vitest";

describe("PrefixCollectionsWrapper", () => {
  /** The wrapper over a memory store without the named capabilities. */
  const over = (...missing: Capability[]) =>
    new PrefixCollectionsWrapper(withoutCapabilities(new MemoryStore(), ...missing), {
      prefix: "app",
    });

  it("stores each collection as <prefix>__<collection>, the default one included, as py-key-value does", async () => {
    const inner = new MemoryStore();
    const store = new PrefixCollectionsWrapper(inner, { prefix: "app" });
    await store.put("u1", { name: "Ada" }, { collection: "users" });
    await store.put("k", { n: 1 });
    expect(sorted(await inner.collections())).toEqual(["app__default_collection", "app__users"]);
    expect(await inner.get("u1", { collection: "app__users" })).toEqual({ name: "Ada" });
    expect(await inner.get("u1", { collection: "users" })).toBeUndefined();
    expect(store.defaultCollection).toBe("default_collection");
  });

  it("sends calls without a collection to defaultCollection, prefixed", async () => {
    const inner = new MemoryStore();
    const store = new PrefixCollectionsWrapper(inner, {
      prefix: "app",
      separator: ":",
      defaultCollection: "sessions",
    });
    await store.putMany([["s1", { user: "ada" }]], { ttl: 60 });
    expect(await inner.get("s1", { collection: "app:sessions" })).toEqual({ user: "ada" });
    expect(await store.get("s1", { collection: "sessions" })).toEqual({ user: "ada" });
    expect(await store.delete("s1")).toBe(true);
  });

  it("reads entries written into the prefixed collection by another client", async () => {
    const inner = new MemoryStore();
    await inner.put("k", { from: "python" }, { collection: "app__users", ttl: 60 });
    const store = new PrefixCollectionsWrapper(inner, { prefix: "app" });
    const [value, ttl] = await store.ttl("k", { collection: "users" });
    expect(value).toEqual({ from: "python" });
    expect(ttl).toBeGreaterThan(59);
    expect(await store.keys?.({ collection: "users" })).toEqual(["k"]);
  });

  it("lists the original collection names and hides collections without the prefix", async () => {
    const inner = new MemoryStore();
    const store = new PrefixCollectionsWrapper(inner, { prefix: "app" });
    for (const foreign of ["users", "app_x", "app__", "APP__x", "xapp__x"]) {
      await inner.put("k", { n: 0 }, { collection: foreign });
    }
    for (const mine of ["one", "__two", "app__three"]) {
      await store.put("k", { n: 1 }, { collection: mine });
    }
    const expected = ["__two", "app__three", "one"];
    expect(sorted(await store.collections?.())).toEqual(expected);
    const iterated: string[] = [];
    for await (const name of store.iterateCollections?.() ?? []) iterated.push(name);
    expect(sorted(iterated)).toEqual(expected);
  });

  it("fills the limit of collections() with its own collections", async () => {
    const inner = new MemoryStore();
    for (let index = 0; index < 30; index++) {
      await inner.put("k", { index }, { collection: `other-${index}` });
    }
    const store = new PrefixCollectionsWrapper(inner, { prefix: "app" });
    for (let index = 0; index < 4; index++) {
      await store.put("k", { index }, { collection: `mine-${index}` });
    }
    expect(await store.collections?.({ limit: 2 })).toHaveLength(2);
    expect(await store.collections?.({ limit: 10 })).toHaveLength(4);
  });

  it("never lets two (collection, key) pairs meet, whatever characters they hold", async () => {
    const inner = new MemoryStore();
    const store = new PrefixCollectionsWrapper(inner, { prefix: "p" });
    const collections = [...hostileNames, "p__", "p__x", "__", "x__", "p"];
    const keys = ["k", "p__k", "a__b", "%", "/", "🙂", "x".repeat(1000)];
    await expectNamesApart(store, collections, keys);
    expect(sorted(await store.collections?.())).toEqual(sorted([...new Set(collections)]));
  });

  it("keeps two wrappers with different prefixes apart in one store", async () => {
    const inner = new MemoryStore();
    const first = new PrefixCollectionsWrapper(inner, { prefix: "blue" });
    const second = new PrefixCollectionsWrapper(inner, { prefix: "green" });
    await first.put("k", { from: "blue" }, { collection: "users" });
    await second.put("k", { from: "green" }, { collection: "users" });
    expect(await first.get("k", { collection: "users" })).toEqual({ from: "blue" });
    expect(await second.collections?.()).toEqual(["users"]);
    expect(await first.destroyCollection?.("users")).toBe(true);
    expect(await second.get("k", { collection: "users" })).toEqual({ from: "green" });
  });

  it("destroys only its own collections", async () => {
    const inner = new MemoryStore();
    const store = new PrefixCollectionsWrapper(inner, { prefix: "app" });
    await store.put("a", { n: 1 }, { collection: "one" });
    await store.put("b", { n: 2 });
    await inner.put("c", { kept: true }, { collection: "one" });
    await inner.put("d", { kept: true }, { collection: "app_one" });
    expect(await store.destroy?.()).toBe(true);
    expect(await store.collections?.()).toEqual([]);
    expect(sorted(await inner.collections())).toEqual(["app_one", "one"]);
    expect(await store.destroy?.()).toBe(false);
  });

  it("refuses a bad collection name with InvalidKeyError before prefixing it", async () => {
    const inner = new MemoryStore();
    const store = new PrefixCollectionsWrapper(inner, { prefix: "app" });
    await expect(store.put("k", { n: 1 }, { collection: "" })).rejects.toThrow(InvalidKeyError);
    await expect(store.keys?.({ collection: "" })).rejects.toThrow(InvalidKeyError);
    await expect(store.destroyCollection?.("")).rejects.toThrow(InvalidKeyError);
    expect(await inner.collections()).toEqual([]);
  });

  it("offers destroy only over a store that can also list and destroy collections", () => {
    expectOffers(over("collections"), {
      collections: false,
      destroyCollection: true,
      destroy: false,
    });
    expectOffers(over("destroyCollection"), {
      destroyCollection: false,
      destroy: false,
      keys: true,
    });
  });

  it("refuses a missing or empty prefix or default collection with TypeError", () => {
    const inner = new MemoryStore();
    const bad = [
      {},
      { prefix: "" },
      { prefix: 7 },
      { prefix: "a", separator: 1 },
      { prefix: "a", defaultCollection: "" },
    ];
    for (const options of bad) {
      expect(() => new PrefixCollectionsWrapper(inner, options as never)).toThrow(TypeError);
    }
  });
});

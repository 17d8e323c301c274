import {
  expectNamesApart,
  expectOffers,
  hostileNames,
  indexedEntries,
  sorted,
  withoutCapabilities,
} from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { type Capability, InvalidKeyError, supports } from "@kv/protocol";
import { SingleCollectionWrapper } from "@kv/single-collection";
import { describe, expect, it } from "vitest";

/** Every string of 1 to `length` characters from `alphabet`. */
function allStrings(alphabet: readonly string[], length: number): string[] {
  let level = [""];
  const all: string[] = [];
  for (let size = 1; size <= length; size++) {
    level = level.flatMap((prefix) => alphabet.map((character) => prefix + character));
    all.push(...level);
  }
  return all;
}

describe("SingleCollectionWrapper", () => {
  /** The wrapper over a memory store without the named capabilities. */
  const over = (...missing: Capability[]) =>
    new SingleCollectionWrapper(withoutCapabilities(new MemoryStore(), ...missing), {
      singleCollection: "kv",
    });

  it("stores (collection, key) as <collection>__<key> in the single collection, as py-key-value does", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    await store.put("u1", { name: "Ada" }, { collection: "users" });
    await store.put("k", { n: 1 });
    expect(await inner.collections()).toEqual(["kv"]);
    expect(sorted(await inner.keys({ collection: "kv" }))).toEqual([
      "default_collection__k",
      "users__u1",
    ]);
  });

  it("reads entries py-key-value's SingleCollectionWrapper wrote", async () => {
    const inner = new MemoryStore();
    await inner.put("users__u1", { from: "python" }, { collection: "kv", ttl: 60 });
    await inner.put("default_collection__a__b", { from: "python" }, { collection: "kv" });
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    const [value, ttl] = await store.ttl("u1", { collection: "users" });
    expect(value).toEqual({ from: "python" });
    expect(ttl).toBeGreaterThan(59);
    expect(await store.get("a__b")).toEqual({ from: "python" });
    expect(sorted(await store.collections?.())).toEqual(["default_collection", "users"]);
  });

  it("escapes the collection where py-key-value's layout would let two pairs meet", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    const pairs: [string, string][] = [
      ["a__b", "c"],
      ["a", "b__c"],
      ["a_", "_c"],
      ["a", "__c"],
      ["50%", "k"],
      ["50%25", "k"],
    ];
    for (const [index, [collection, key]] of pairs.entries()) {
      await store.put(key, { index }, { collection });
    }
    expect(sorted(await inner.keys({ collection: "kv" }))).toEqual(
      sorted(["a%5F_b__c", "a__b__c", "a%5F___c", "a____c", "50%25__k", "50%2525__k"]),
    );
    for (const [index, [collection, key]] of pairs.entries()) {
      expect(await store.get(key, { collection })).toEqual({ index });
    }
  });

  for (const separator of ["__", ":", "-_-", "/", "🙂"]) {
    it(`never lets two (collection, key) pairs meet with separator ${JSON.stringify(separator)}`, async () => {
      const inner = new MemoryStore();
      const store = new SingleCollectionWrapper(inner, { singleCollection: "kv", separator });
      const alphabet = [...new Set([...separator, "%", "a", "é"])];
      const names = allStrings(alphabet, 3);
      for (const [c, collection] of names.entries()) {
        await store.putMany(
          names.map((key, k) => [key, { c, k }]),
          { collection },
        );
      }
      expect(await inner.keys({ collection: "kv", limit: 1e9 })).toHaveLength(names.length ** 2);
      for (const [c, collection] of names.entries()) {
        expect(await store.getMany(names, { collection })).toEqual(names.map((_, k) => ({ c, k })));
        // each listing pages through every stored key: a sample of collections is enough
        if (c % 10 !== 0) continue;
        expect(sorted(await store.keys?.({ collection }))).toEqual(sorted(names));
      }
      expect(sorted(await store.collections?.({ limit: 1e9 }))).toEqual(sorted(names));
    });
  }

  it("keeps hostile collection and key names apart", async () => {
    const store = new SingleCollectionWrapper(new MemoryStore(), { singleCollection: "kv" });
    const keys = ["k", "__", "a__b", "%", "%25", "/", "🙂", "x".repeat(1000)];
    expect(supports(store, "keys")).toBe(true);
    await expectNamesApart(store, hostileNames, keys);
    expect(sorted(await store.collections?.())).toEqual(sorted([...new Set(hostileNames)]));
  });

  it("lists only the keys of the collection asked for, filling the limit with them", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    await store.putMany(indexedEntries("other-", 40));
    await store.putMany(indexedEntries("mine-", 5), { collection: "c" });
    await store.put("x", { n: 1 }, { collection: "c_" });
    expect(await store.keys?.({ collection: "c", limit: 3 })).toHaveLength(3);
    expect(sorted(await store.keys?.({ collection: "c" }))).toEqual(
      Array.from({ length: 5 }, (_, index) => `mine-${index}`),
    );
    expect(await store.keys?.({ collection: "c_" })).toEqual(["x"]);
  });

  it("hides stored keys that encode no pair, and lists each collection once", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    const foreign = ["plain", "__k", "c__", "%zz__k", "a%5Fb__k", "%61__k"];
    await inner.putMany(
      foreign.map((key) => [key, { foreign: true }]),
      { collection: "kv" },
    );
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    expect(await store.collections?.()).toEqual(["default_collection"]);
    expect(sorted(await store.keys?.())).toEqual(["a", "b"]);
    expect(await store.keys?.({ collection: "a_b" })).toEqual([]);
    expect(await store.keys?.({ collection: "a" })).toEqual([]);
  });

  it("destroys one collection's keys and nothing else", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    await store.putMany(indexedEntries("k", 2500), { collection: "doomed" });
    await store.put("k1", { kept: true }, { collection: "kept" });
    await store.put("k1", { kept: true }, { collection: "doomed_" });
    await inner.put("doomed__k1", { kept: true });
    expect(await store.destroyCollection?.("doomed")).toBe(true);
    expect(await store.keys?.({ collection: "doomed" })).toEqual([]);
    expect(await store.get("k1", { collection: "kept" })).toEqual({ kept: true });
    expect(await store.get("k1", { collection: "doomed_" })).toEqual({ kept: true });
    expect(await inner.get("doomed__k1")).toEqual({ kept: true });
    expect(await store.destroyCollection?.("doomed")).toBe(false);
  });

  it("destroys the single collection and leaves the inner store's others alone", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    await store.put("a", { n: 1 }, { collection: "one" });
    await inner.put("b", { kept: true }, { collection: "elsewhere" });
    expect(await store.destroy?.()).toBe(true);
    expect(await inner.collections()).toEqual(["elsewhere"]);
    expect(await store.destroy?.()).toBe(false);
  });

  it("refuses a bad collection name with InvalidKeyError in every call", async () => {
    const inner = new MemoryStore();
    const store = new SingleCollectionWrapper(inner, { singleCollection: "kv" });
    await expect(store.put("k", { n: 1 }, { collection: "" })).rejects.toThrow(InvalidKeyError);
    await expect(store.keys?.({ collection: "" })).rejects.toThrow(InvalidKeyError);
    const error = await store.destroyCollection?.("").catch((caught: unknown) => caught);
    expect((error as InvalidKeyError).operation).toBe("destroyCollection");
    expect(await inner.collections()).toEqual([]);
  });

  it("offers no key listing, collection listing or destroyCollection over a store that cannot list keys", () => {
    expectOffers(over("keys"), {
      keys: false,
      collections: false,
      destroyCollection: false,
      destroy: true,
    });
  });

  it("offers each capability only where the inner store has it", () => {
    expectOffers(over("collections"), { collections: false, destroyCollection: true });
    expectOffers(over("destroyCollection"), {
      destroyCollection: false,
      destroy: false,
      keys: true,
    });
  });

  it("refuses options that cannot work with TypeError", () => {
    const inner = new MemoryStore();
    const bad = [
      {},
      { singleCollection: "" },
      { singleCollection: "kv", separator: "" },
      { singleCollection: "kv", separator: "%" },
      { singleCollection: "kv", separator: "_x_" },
      { singleCollection: "kv", separator: "-1-" },
      { singleCollection: "kv", separator: "\ud800" },
      { singleCollection: "kv", defaultCollection: "" },
    ];
    for (const options of bad) {
      expect(
        () => new SingleCollectionWrapper(inner, options as never),
        JSON.stringify(options),
      ).toThrow(TypeError);
    }
  });
});

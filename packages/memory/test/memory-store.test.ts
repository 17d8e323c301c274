import { MemoryStore } from "@kv/memory";
import { ManualClock, StoreError } from "@kv/protocol";
import { describe, expect, it } from "vitest";

describe("MemoryStore", () => {
  it("evicts the least recently used entry beyond maxEntries, across collections", async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    await store.put("a", { n: 1 }, { collection: "x" });
    await store.put("b", { n: 2 }, { collection: "y" });
    await store.put("c", { n: 3 }, { collection: "x" });
    await store.get("a", { collection: "x" });
    await store.put("d", { n: 4 }, { collection: "y" });
    expect(store.size).toBe(3);
    expect(await store.get("b", { collection: "y" })).toBeUndefined();
    expect(await store.getMany(["a", "c"], { collection: "x" })).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it("evicts by bytes of JSON, counting each UTF-16 unit as 2 bytes", async () => {
    const store = new MemoryStore({ maxBytes: 200 });
    await store.put("k1", { s: "x".repeat(40) });
    await store.put("k2", { s: "y".repeat(40) });
    expect(store.size).toBe(1);
    expect(await store.get("k1")).toBeUndefined();
    expect(await store.get("k2")).toEqual({ s: "y".repeat(40) });
  });

  it("refuses one entry larger than maxBytes with StoreError, keeping the rest", async () => {
    const store = new MemoryStore({ maxBytes: 100 });
    await store.put("small", { a: 1 });
    await expect(store.put("huge", { s: "x".repeat(100) })).rejects.toThrow(StoreError);
    expect(await store.get("small")).toEqual({ a: 1 });
  });

  it("writes nothing from a putMany holding one entry larger than maxBytes", async () => {
    const store = new MemoryStore({ maxBytes: 100 });
    await expect(
      store.putMany([
        ["small", { a: 1 }],
        ["huge", { s: "x".repeat(100) }],
      ]),
    ).rejects.toThrow(StoreError);
    expect(store.size).toBe(0);
  });

  it("replacing a key does not count it twice", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    for (let round = 0; round < 5; round++) await store.put("same", { round });
    await store.put("other", { n: 1 });
    expect(store.size).toBe(2);
    expect(await store.get("same")).toEqual({ round: 4 });
  });

  it("drops expired entries when read, at the end of the recency list, and on cull", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock, maxEntries: 100 });
    await store.put("old", { n: 1 }, { ttl: 1 });
    await store.put("read", { n: 2 }, { ttl: 1 });
    await store.put("culled", { n: 3 }, { ttl: 1, collection: "other" });
    await store.put("forever", { n: 4 });
    clock.advanceSeconds(2);
    expect(await store.get("read")).toBeUndefined();
    expect(store.size).toBe(3);
    await store.put("new", { n: 5 });
    expect(store.size).toBe(2 + 1);
    await store.cull();
    expect(store.size).toBe(2);
    expect(await store.collections()).toEqual(["default_collection"]);
  });

  it("does not list expired keys, and deleting one reports nothing removed", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    await store.put("live", { n: 1 });
    await store.put("dead", { n: 2 }, { ttl: 1 });
    clock.advanceSeconds(1);
    expect(await store.keys()).toEqual(["live"]);
    expect(await store.delete("dead")).toBe(false);
  });

  it("refuses limits that are not positive numbers", () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryStore({ maxBytes: Number.NaN })).toThrow(RangeError);
  });
});

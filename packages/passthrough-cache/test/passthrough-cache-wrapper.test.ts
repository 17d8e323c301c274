import { MemoryStore } from "@kv/memory";
import { NullStore } from "@kv/null";
import { type CacheErrorEvent, PassthroughCacheWrapper } from "@kv/passthrough-cache";
import {
  BaseWrapper,
  type Capability,
  InvalidKeyError,
  InvalidTtlError,
  type KeyValue,
  ManualClock,
  type Operation,
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  supports,
  type Value,
} from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import { afterAll, describe, expect, it, vi } from "vitest";
import { realStores } from "./real-stores.ts";

/** A memory store that fails every call while `broken`, and can hold one call until released. */
class ControlledStore extends BaseWrapper {
  broken = false;
  readonly calls: Operation[] = [];
  log: ((operation: Operation) => void) | undefined;
  private held: { operation: Operation; before: boolean; gate: Promise<void> } | undefined;
  private reached: (() => void) | undefined;

  constructor(inner: KeyValue = new MemoryStore()) {
    super(inner);
  }

  /**
   * Holds the next call of `operation` before or after it runs against the memory store, until
   * `release()`; `reached` resolves once it is held.
   */
  hold(
    operation: Operation,
    when: "before" | "after",
  ): { reached: Promise<void>; release: () => void } {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held = { operation, before: when === "before", gate };
    const reached = new Promise<void>((resolve) => {
      this.reached = resolve;
    });
    return { reached, release };
  }

  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    this.calls.push(operation);
    this.log?.(operation);
    if (this.broken) throw new StoreConnectionError({ operation, message: "store is down" });
    const held = this.held?.operation === operation ? this.held : undefined;
    if (held !== undefined) this.held = undefined;
    if (held?.before) await this.wait(held.gate);
    const result = await call(this.store);
    if (held !== undefined && !held.before) await this.wait(held.gate);
    return result;
  }

  private wait(gate: Promise<void>): Promise<void> {
    this.reached?.();
    return gate;
  }
}

/** Primary and cache on one manual clock, the cache's and primary's calls recorded. */
function setUp(options: { maxCacheTtl?: number | string } = {}) {
  const clock = new ManualClock();
  const primaryMemory = new MemoryStore({ clock });
  const cacheMemory = new MemoryStore({ clock });
  const primary = new ControlledStore(primaryMemory);
  const cache = new ControlledStore(cacheMemory);
  const errors: CacheErrorEvent[] = [];
  const store = new PassthroughCacheWrapper(primary, cache, {
    ...options,
    clock,
    onCacheError: (event) => errors.push(event),
  });
  return { clock, primary, cache, primaryMemory, cacheMemory, store, errors };
}

describe("PassthroughCacheWrapper", () => {
  describe("reads", () => {
    it("answers a repeated read from the cache without asking the primary", async () => {
      const { primary, store } = setUp();
      await store.put("k", { v: 1 });
      primary.calls.length = 0;
      expect(await store.get("k")).toEqual({ v: 1 });
      expect(await store.get("k")).toEqual({ v: 1 });
      expect(await store.getMany(["k", "k"])).toEqual([{ v: 1 }, { v: 1 }]);
      expect(primary.calls).toEqual(["ttl"]);
    });

    it("fills the cache with the entry's remaining TTL: it never outlives the primary's entry", async () => {
      const { clock, cacheMemory, store } = setUp();
      await store.put("k", { v: 1 }, { ttl: 10 });
      clock.advanceSeconds(4);
      expect(await store.get("k")).toEqual({ v: 1 });
      const [, cached] = await cacheMemory.ttl("k");
      expect(cached).toBe(5.999);
      clock.advance(6_000);
      expect(await cacheMemory.get("k")).toBeUndefined();
      expect(await store.get("k")).toBeUndefined();
    });

    it("a fill that reaches the cache a clock tick after the primary answered expires with the primary's entry", async () => {
      const { clock, cache, primaryMemory, cacheMemory, store } = setUp();
      await store.put("k", { v: 1 }, { ttl: 10 });
      cache.log = (operation) => {
        if (operation === "putMany") clock.advance(1);
      };
      expect(await store.get("k")).toEqual({ v: 1 });
      const [, primaryTtl] = await primaryMemory.ttl("k");
      clock.advance((primaryTtl ?? 0) * 1000);
      expect(await primaryMemory.get("k")).toBeUndefined();
      expect(await cacheMemory.get("k")).toBeUndefined();
    });

    it("caches an entry without a TTL without expiry, or for maxCacheTtl when set", async () => {
      const plain = setUp();
      await plain.store.put("k", { v: 1 });
      await plain.store.get("k");
      expect(await plain.cacheMemory.ttl("k")).toEqual([{ v: 1 }, undefined]);

      const capped = setUp({ maxCacheTtl: "30s" });
      await capped.store.put("forever", { v: 1 });
      await capped.store.put("long", { v: 2 }, { ttl: 3600 });
      await capped.store.put("short", { v: 3 }, { ttl: 5 });
      await capped.store.getMany(["forever", "long", "short"]);
      const ttls = await capped.cacheMemory.ttlMany(["forever", "long", "short"]);
      expect(ttls.map(([, ttl]) => ttl)).toEqual([30, 30, 4.999]);
    });

    it("with maxCacheTtl, ttl and ttlMany report the primary's TTL, not the cache's", async () => {
      const { primary, store } = setUp({ maxCacheTtl: 30 });
      await store.put("forever", { v: 1 });
      await store.put("long", { v: 2 }, { ttl: 3600 });
      await store.get("forever");
      await store.get("long");
      expect(await store.ttl("forever")).toEqual([{ v: 1 }, undefined]);
      expect(await store.ttlMany(["long", "forever"])).toEqual([
        [{ v: 2 }, 3600],
        [{ v: 1 }, undefined],
      ]);
      expect(primary.calls.filter((call) => call.startsWith("ttl"))).toEqual([
        "ttl",
        "ttl",
        "ttl",
        "ttlMany",
      ]);
    });

    it("without maxCacheTtl, ttl and ttlMany are answered from the cache", async () => {
      const { clock, primary, store } = setUp();
      await store.put("k", { v: 1 }, { ttl: 100 });
      await store.put("n", { v: 2 });
      expect(await store.ttlMany(["k", "n"])).toEqual([
        [{ v: 1 }, 100],
        [{ v: 2 }, undefined],
      ]);
      clock.advanceSeconds(40);
      primary.calls.length = 0;
      expect(await store.ttl("k")).toEqual([{ v: 1 }, 59.999]);
      expect(await store.ttlMany(["n", "k", "missing"])).toEqual([
        [{ v: 2 }, undefined],
        [{ v: 1 }, 59.999],
        [undefined, undefined],
      ]);
      expect(primary.calls).toEqual(["ttl"]);
    });

    it("getMany makes one cache getMany and one primary ttlMany for the distinct misses only", async () => {
      const { primary, cache, store } = setUp();
      await store.putMany([
        ["a", { n: 1 }],
        ["b", { n: 2 }],
        ["c", { n: 3 }],
      ]);
      await store.get("b");
      primary.calls.length = 0;
      cache.calls.length = 0;
      const ttlMany = vi.spyOn(primary, "ttlMany");
      const keys = ["c", "b", "missing", "a", "c"];
      expect(await store.getMany(keys)).toEqual([
        { n: 3 },
        { n: 2 },
        undefined,
        { n: 1 },
        { n: 3 },
      ]);
      expect(ttlMany).toHaveBeenCalledTimes(1);
      expect(ttlMany.mock.calls[0]?.[0]).toEqual(["c", "missing", "a"]);
      expect(primary.calls).toEqual(["ttlMany"]);
      expect(cache.calls).toEqual(["getMany", "putMany"]);
    });

    it("fills the cache with one putMany per distinct remaining TTL", async () => {
      const { cache, cacheMemory, store } = setUp();
      await store.putMany(
        [
          ["a", { n: 1 }],
          ["b", { n: 2 }],
        ],
        { ttl: 60 },
      );
      await store.putMany([["c", { n: 3 }]], { ttl: 90 });
      await store.putMany([
        ["d", { n: 4 }],
        ["e", { n: 5 }],
      ]);
      const putMany = vi.spyOn(cache, "putMany");
      await store.getMany(["a", "b", "c", "d", "e"]);
      expect(
        putMany.mock.calls.map(([entries, options]) => [entries.length, options?.ttl]),
      ).toEqual([
        [2, 59.999],
        [1, 89.999],
        [2, undefined],
      ]);
      expect((await cacheMemory.ttlMany(["a", "c", "e"])).map(([, ttl]) => ttl)).toEqual([
        59.999,
        89.999,
        undefined,
      ]);
    });

    it("does not cache misses", async () => {
      const { primary, store } = setUp();
      expect(await store.get("missing")).toBeUndefined();
      expect(await store.get("missing")).toBeUndefined();
      expect(primary.calls).toEqual(["ttl", "ttl"]);
    });

    it("hands out copies: mutating a value read through a fill changes nothing cached", async () => {
      const { store } = setUp();
      await store.put("k", { list: [1] });
      const first = (await store.get("k")) as { list: number[] };
      first.list.push(2);
      expect(await store.get("k")).toEqual({ list: [1] });
    });
  });

  describe("a failing cache", () => {
    it("never fails a read: it falls through to the primary and reports through onCacheError", async () => {
      const { cache, store, errors } = setUp();
      await store.put("k", { v: 1 }, { collection: "c" });
      cache.broken = true;
      expect(await store.get("k", { collection: "c" })).toEqual({ v: 1 });
      expect(await store.getMany(["k", "x"], { collection: "c" })).toEqual([{ v: 1 }, undefined]);
      expect(await store.ttl("k", { collection: "c" })).toEqual([{ v: 1 }, undefined]);
      expect(await store.ttlMany(["k"], { collection: "c" })).toEqual([[{ v: 1 }, undefined]]);
      expect(errors.map(({ operation, collection }) => [operation, collection])).toEqual([
        ["get", "c"],
        ["get", "c"],
        ["getMany", "c"],
        ["getMany", "c"],
        ["ttl", "c"],
        ["ttl", "c"],
        ["ttlMany", "c"],
        ["ttlMany", "c"],
      ]);
      expect(errors.every(({ error }) => StoreConnectionError.isInstance(error))).toBe(true);
    });

    it("ignores an error thrown by onCacheError", async () => {
      const cache = new ControlledStore();
      cache.broken = true;
      const store = new PassthroughCacheWrapper(new MemoryStore(), cache, {
        onCacheError: () => {
          throw new Error("hook failed");
        },
      });
      await expect(store.get("k")).resolves.toBeUndefined();
    });

    it("fails a write whose invalidation fails, before the primary is touched", async () => {
      const { cache, primary, primaryMemory, store } = setUp();
      await store.put("k", { v: 1 });
      cache.broken = true;
      primary.calls.length = 0;
      await expect(store.put("k", { v: 2 })).rejects.toThrow(StoreConnectionError);
      await expect(store.delete("k")).rejects.toThrow(StoreConnectionError);
      await expect(store.putMany([["k", { v: 3 }]])).rejects.toThrow(StoreConnectionError);
      await expect(store.deleteMany(["k"])).rejects.toThrow(StoreConnectionError);
      expect(primary.calls).toEqual([]);
      expect(await primaryMemory.get("k")).toEqual({ v: 1 });
    });
  });

  describe("writes", () => {
    it("invalidate the cache, then write the primary; the next read fills again", async () => {
      const { cache, primary, cacheMemory, store } = setUp();
      await store.putMany([
        ["a", { v: 1 }],
        ["b", { v: 1 }],
      ]);
      await store.getMany(["a", "b"]);
      cache.calls.length = 0;
      primary.calls.length = 0;
      const order: string[] = [];
      cache.log = (operation) => order.push(`cache.${operation}`);
      primary.log = (operation) => order.push(`primary.${operation}`);
      await store.put("a", { v: 2 });
      await store.putMany([["b", { v: 2 }]]);
      expect(await cacheMemory.getMany(["a", "b"])).toEqual([undefined, undefined]);
      expect(await store.getMany(["a", "b"])).toEqual([{ v: 2 }, { v: 2 }]);
      await store.delete("a");
      await store.deleteMany(["b", "x"]);
      expect(order).toEqual([
        "cache.delete",
        "primary.put",
        "cache.delete",
        "primary.putMany",
        "cache.getMany",
        "primary.ttlMany",
        "cache.putMany",
        "cache.delete",
        "primary.delete",
        "cache.deleteMany",
        "primary.deleteMany",
      ]);
      expect(await store.getMany(["a", "b"])).toEqual([undefined, undefined]);
    });

    it("return what the primary says", async () => {
      const { store } = setUp();
      await store.put("a", { v: 1 });
      expect(await store.delete("a")).toBe(true);
      expect(await store.delete("a")).toBe(false);
      await store.putMany([
        ["a", { v: 1 }],
        ["b", { v: 1 }],
      ]);
      expect(await store.deleteMany(["a", "b", "c"])).toBe(2);
    });

    it.each([
      ["the primary's answer to the read", "primary", "ttl", "after"],
      ["the fill of the cache", "cache", "putMany", "before"],
    ] as const)(
      "never leave a value a write replaced in the cache: a write overlaps %s",
      async (_, layer, operation, when) => {
        const stores = setUp();
        const { cacheMemory, store } = stores;
        await store.put("k", { v: "old" });
        const { reached, release } = stores[layer].hold(operation, when);
        const reading = store.get("k");
        await reached;
        await store.put("k", { v: "new" });
        release();
        expect(await reading).toEqual({ v: "old" });
        expect(await cacheMemory.get("k")).toBeUndefined();
        expect(await store.get("k")).toEqual({ v: "new" });
      },
    );

    it("check their input before touching the cache", async () => {
      const { cache, store, errors } = setUp();
      await expect(store.put("", { v: 1 })).rejects.toThrow(InvalidKeyError);
      await expect(store.put("k", { v: 1 }, { ttl: 0 })).rejects.toThrow(InvalidTtlError);
      await expect(store.putMany([["k", { v: 1 }]], { collection: "" })).rejects.toThrow(
        InvalidKeyError,
      );
      await expect(store.get("")).rejects.toThrow(InvalidKeyError);
      await expect(store.getMany(["a", ""])).rejects.toThrow(InvalidKeyError);
      await expect(store.deleteMany("k" as unknown as string[])).rejects.toThrow(TypeError);
      expect(cache.calls).toEqual([]);
      expect(errors).toEqual([]);
    });
  });

  describe("capabilities", () => {
    it("enumerate from the primary", async () => {
      const { cacheMemory, store } = setUp();
      await store.put("a", { v: 1 }, { collection: "c" });
      await cacheMemory.put("only-in-cache", { v: 1 }, { collection: "c" });
      expect(await store.keys?.({ collection: "c" })).toEqual(["a"]);
      expect(await store.collections?.()).toEqual(["c"]);
    });

    it("destroyCollection and destroy clear the cache as well as the primary", async () => {
      const { cacheMemory, primaryMemory, store } = setUp();
      await store.put("a", { v: 1 }, { collection: "c" });
      await store.put("b", { v: 1 }, { collection: "d" });
      await store.get("a", { collection: "c" });
      await store.get("b", { collection: "d" });
      expect(await store.destroyCollection?.("c")).toBe(true);
      expect(await cacheMemory.get("a", { collection: "c" })).toBeUndefined();
      expect(await store.get("a", { collection: "c" })).toBeUndefined();
      expect(await cacheMemory.get("b", { collection: "d" })).toEqual({ v: 1 });
      expect(await store.destroy?.()).toBe(true);
      expect(await cacheMemory.get("b", { collection: "d" })).toBeUndefined();
      expect(await primaryMemory.get("b", { collection: "d" })).toBeUndefined();
    });

    it("follow the primary; destroy and destroyCollection also need a cache that has them", () => {
      const full = new PassthroughCacheWrapper(new MemoryStore(), new MemoryStore());
      const bareCache = new PassthroughCacheWrapper(new MemoryStore(), new NullStore());
      const barePrimary = new PassthroughCacheWrapper(new NullStore(), new MemoryStore());
      const fromPrimaryAlone: readonly Capability[] = ["keys", "collections", "cull"];
      const capabilities: readonly Capability[] = ["close", "destroy", "destroyCollection"];
      for (const capability of [...capabilities, ...fromPrimaryAlone]) {
        expect(supports(full, capability)).toBe(capability !== "close");
        expect(supports(bareCache, capability)).toBe(fromPrimaryAlone.includes(capability));
        expect(supports(barePrimary, capability)).toBe(false);
      }
    });

    it("cull culls the cache too", async () => {
      const { clock, cacheMemory, store } = setUp();
      await store.put("k", { v: 1 }, { ttl: 1 });
      await store.get("k");
      clock.advanceSeconds(2);
      expect(cacheMemory.size).toBe(1);
      await store.cull?.();
      expect(cacheMemory.size).toBe(0);
    });

    it("close closes both stores, whichever of them can be closed", async () => {
      const primary = new SqliteStore({ path: ":memory:" });
      const cache = new SqliteStore({ path: ":memory:" });
      const both = new PassthroughCacheWrapper(primary, cache);
      await both.close?.();
      await expect(primary.get("k")).rejects.toThrow(StoreClosedError);
      await expect(cache.get("k")).rejects.toThrow(StoreClosedError);

      const closableCache = new SqliteStore({ path: ":memory:" });
      const cacheOnly = new PassthroughCacheWrapper(new MemoryStore(), closableCache);
      expect(supports(cacheOnly, "close")).toBe(true);
      await cacheOnly[Symbol.asyncDispose]();
      await expect(closableCache.get("k")).rejects.toThrow(StoreClosedError);
    });
  });

  it("refuses options that cannot work", () => {
    const memory = new MemoryStore();
    expect(() => new PassthroughCacheWrapper(memory, memory)).toThrow(StoreConfigurationError);
    for (const maxCacheTtl of [0, -1, Number.NaN, "soon", true as unknown as number]) {
      expect(() => new PassthroughCacheWrapper(memory, new MemoryStore(), { maxCacheTtl })).toThrow(
        RangeError,
      );
    }
  });

  describe("over Redis", () => {
    const real = realStores();
    afterAll(() => real.dispose());

    it("caches an entry for no longer than Redis keeps it", async () => {
      const redis = real.inNamespace();
      const cache = new MemoryStore();
      const store = new PassthroughCacheWrapper(redis, cache);
      try {
        const value: Value = { v: 1 };
        await store.put("k", value, { collection: "ttl", ttl: 0.5 });
        expect(await store.get("k", { collection: "ttl" })).toEqual(value);
        const [, primary] = await redis.ttl("k", { collection: "ttl" });
        const [, cached] = await cache.ttl("k", { collection: "ttl" });
        expect(cached).toBeGreaterThan(0);
        expect(cached).toBeLessThanOrEqual(primary ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(await cache.get("k", { collection: "ttl" })).toBeUndefined();
        expect(await store.get("k", { collection: "ttl" })).toBeUndefined();
      } finally {
        await store.close?.();
      }
    });
  });
});

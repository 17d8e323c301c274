import { CachedFactoryError, type CacheOptions, createCache, FactoryTimeoutError } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { InvalidKeyError, InvalidTtlError, ManualClock, SerializationError } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import {
  computeTogether,
  countingFactory,
  deferred,
  eventually,
  failTogether,
  refreshTogether,
} from "./fixtures/control.ts";

/** A cache on a memory store, both on one manual clock. */
function setup(options: CacheOptions = {}) {
  const clock = new ManualClock();
  const store = new MemoryStore({ clock });
  const cache = createCache(store, { clock, ...options });
  return { clock, store, cache };
}

const never = (): Promise<never> => {
  throw new Error("the factory should not run");
};

describe("getOrSet", () => {
  it("runs the factory on a miss and answers later calls from the cache", async () => {
    const { cache } = setup();
    const factory = countingFactory((run) => ({ run }));
    expect(await cache.getOrSet("k", factory)).toEqual({ run: 1 });
    expect(await cache.getOrSet("k", factory)).toEqual({ run: 1 });
    expect(factory.runs).toBe(1);
    expect(cache.statistics()).toMatchObject({ hits: 1, misses: 1, factoryRuns: 1 });
  });

  it("runs the factory once for 50 concurrent callers", async () => {
    const { cache } = setup();
    const { results, runs } = await computeTogether(cache, 50);
    expect(runs).toBe(1);
    expect(results).toEqual(Array.from({ length: 50 }, () => ({ run: 1 })));
    expect(cache.statistics()).toMatchObject({ misses: 50, factoryRuns: 1 });
  });

  it("gives every caller its own copy of an object", async () => {
    const { cache } = setup();
    const [first, second] = await Promise.all([
      cache.getOrSet("k", () => ({ tags: ["a"] })),
      cache.getOrSet("k", () => ({ tags: ["a"] })),
    ]);
    first?.tags.push("changed");
    expect(second).toEqual({ tags: ["a"] });
    expect(await cache.getOrSet("k", never)).toEqual({ tags: ["a"] });
  });

  it("caches any JSON value: objects as they are, other values in an envelope", async () => {
    const { store, cache } = setup();
    const values: Record<string, unknown> = {
      object: { name: "Ada" },
      array: [1, "two", { three: 3 }],
      string: "text",
      number: 0,
      boolean: false,
      null: null,
      lookalike: { "@kv/cache": { value: 5 } },
    };
    for (const [key, value] of Object.entries(values)) await cache.getOrSet(key, () => value);

    const reader = createCache(store);
    for (const [key, value] of Object.entries(values)) {
      expect(await reader.getOrSet(key, never)).toEqual(value);
    }
    expect(await store.get("object")).toEqual({ name: "Ada" });
    expect(await store.get("string")).toEqual({ "@kv/cache": { value: "text" } });
    expect(await store.get("lookalike")).toEqual({
      "@kv/cache": { value: { "@kv/cache": { value: 5 } } },
    });
  });

  it("keeps a value for its ttl, given in seconds or as a duration", async () => {
    const { clock, cache } = setup();
    const factory = countingFactory((run) => run);
    for (const ttl of [90, "1m30s", "90 seconds"]) {
      const key = `ttl ${ttl}`;
      const first = await cache.getOrSet(key, factory, { ttl });
      clock.advanceSeconds(89);
      expect(await cache.getOrSet(key, factory, { ttl })).toBe(first);
      clock.advanceSeconds(2);
      expect(await cache.getOrSet(key, factory, { ttl })).toBe(first + 1);
    }
  });

  it("uses the cache's options unless a call gives its own", async () => {
    const { clock, cache } = setup({ ttl: "10s", collection: "pages" });
    const factory = countingFactory((run) => run);
    await cache.getOrSet("k", factory);
    await cache.getOrSet("k", factory, { ttl: "1h", collection: "other" });
    clock.advanceSeconds(11);
    expect(await cache.getOrSet("k", factory)).toBe(3);
    expect(await cache.getOrSet("k", factory, { collection: "other" })).toBe(2);
  });

  it("refuses bad input before anything runs: InvalidTtlError naming the text, InvalidKeyError, RangeError", async () => {
    const { cache } = setup();
    const ttlError = await cache.getOrSet("k", never, { ttl: "forever" }).catch((e) => e);
    expect(InvalidTtlError.isInstance(ttlError)).toBe(true);
    expect(String(ttlError)).toContain('"forever"');
    await expect(cache.getOrSet("", never)).rejects.toSatisfy(InvalidKeyError.isInstance);
    await expect(cache.getOrSet("k", never, { collection: "" })).rejects.toSatisfy(
      InvalidKeyError.isInstance,
    );
    await expect(cache.getOrSet("k", never, { hardTimeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(cache.getOrSet("k", () => "zero grace", { grace: 0 })).resolves.toBe("zero grace");
    expect(() => createCache(new MemoryStore(), { lockTtl: 0 })).toThrow(InvalidTtlError);
  });
});

describe("grace", () => {
  it("serves the stale value while one caller refreshes it in the background", async () => {
    const { clock, cache } = setup({ ttl: 10, grace: "1m" });
    await cache.getOrSet("k", () => "old");
    clock.advanceSeconds(11);
    const { served, finish, runs } = await refreshTogether(cache, 20);
    expect(served).toEqual(Array.from({ length: 20 }, () => "old"));
    expect(await cache.getOrSet("k", never)).toBe("old");
    expect(runs()).toBe(1);
    expect(cache.statistics()).toMatchObject({ staleHits: 21 });

    finish("new");
    await eventually(() => cache.statistics().factoryRuns === 2);
    await expect.poll(() => cache.get("k")).toBe("new");
    expect(await cache.getOrSet("k", never)).toBe("new");
  });

  it("computes afresh once the grace period is over", async () => {
    const { clock, store, cache } = setup({ ttl: 10, grace: 60 });
    await cache.getOrSet("k", () => "old");
    expect((await store.ttl("k"))[1]).toBe(70);
    clock.advanceSeconds(71);
    expect(await cache.getOrSet("k", () => "new")).toBe("new");
  });

  it("keeps serving the stale value when the refresh fails", async () => {
    const { clock, cache } = setup({ ttl: 10, grace: 60 });
    await cache.getOrSet("k", () => "old");
    clock.advanceSeconds(11);
    const failing = countingFactory(() => Promise.reject(new Error("upstream down")));
    expect(await cache.getOrSet("k", failing, { softTimeoutMs: 5000 })).toBe("old");
    expect(await cache.getOrSet("k", failing, { softTimeoutMs: 5000 })).toBe("old");
    expect(failing.runs).toBe(2);
    expect(cache.statistics()).toMatchObject({ factoryErrors: 2, staleHits: 2 });
  });

  it("serves an entry stale only within the reader's own grace period", async () => {
    const { clock, cache } = setup({ ttl: 10 });
    await cache.getOrSet("k", () => "old", { grace: 60 });
    clock.advanceSeconds(11);
    expect(await cache.getOrSet("k", () => "new", { grace: 0 })).toBe("new");
  });
});

describe("timeouts", () => {
  it("softTimeoutMs: waits that long for the refresh, then serves the stale value", async () => {
    const { clock, cache } = setup({ ttl: 10, grace: 60, softTimeoutMs: 20 });
    await cache.getOrSet("k", () => "old");
    clock.advanceSeconds(11);
    const refresh = deferred<string>();
    expect(await cache.getOrSet("k", () => refresh.promise)).toBe("old");
    refresh.resolve("new");
    await expect.poll(() => cache.get("k")).toBe("new");
  });

  it("softTimeoutMs: gives the refreshed value when the factory is faster", async () => {
    const { clock, cache } = setup({ ttl: 10, grace: 60, softTimeoutMs: 10_000 });
    await cache.getOrSet("k", () => "old");
    clock.advanceSeconds(11);
    expect(await cache.getOrSet("k", async () => "new")).toBe("new");
    expect(cache.statistics()).toMatchObject({ staleHits: 0, misses: 2 });
  });

  it("hardTimeoutMs: rejects with FactoryTimeoutError, and the late value is still cached", async () => {
    const { cache } = setup({ hardTimeoutMs: 20 });
    const slow = deferred<string>();
    const calls = [cache.getOrSet("k", () => slow.promise), cache.getOrSet("k", never)];
    for (const call of calls) {
      const error = await call.catch((e: unknown) => e);
      expect(FactoryTimeoutError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ timeoutMs: 20, key: "k", transient: true });
    }
    slow.resolve("late");
    await expect.poll(() => cache.get("k")).toBe("late");
  });
});

describe("factory errors", () => {
  it("reach every waiting caller and are not cached", async () => {
    const { store, cache } = setup();
    const { failure, errors, runs } = await failTogether(cache, 50);
    expect(errors.every((error) => error === failure)).toBe(true);
    expect(runs).toBe(1);
    expect(await store.get("k")).toBeUndefined();
    expect(await cache.getOrSet("k", () => "recovered")).toBe("recovered");
    expect(cache.statistics()).toMatchObject({ factoryRuns: 2, factoryErrors: 1 });
  });

  it("cacheErrors: serves the error again as CachedFactoryError until negativeTtl passes", async () => {
    const { clock, cache } = setup({ ttl: "1h", cacheErrors: true, negativeTtl: 5 });
    const failing = countingFactory(() => Promise.reject(new TypeError("bad upstream")));
    await expect(cache.getOrSet("k", failing)).rejects.toThrow(TypeError);
    const cached = await cache.getOrSet("k", failing).catch((e: unknown) => e);
    expect(CachedFactoryError.isInstance(cached)).toBe(true);
    expect(cached).toMatchObject({ cachedName: "TypeError", key: "k" });
    expect(String(cached)).toContain("bad upstream");
    expect(failing.runs).toBe(1);
    clock.advanceSeconds(6);
    expect(await cache.getOrSet("k", () => "recovered")).toBe("recovered");
  });

  it("an undefined result is cached only with cacheUndefined", async () => {
    const { cache } = setup();
    const nothing = countingFactory(() => undefined);
    expect(await cache.getOrSet("plain", nothing)).toBeUndefined();
    expect(await cache.getOrSet("plain", nothing)).toBeUndefined();
    expect(nothing.runs).toBe(2);
    expect(await cache.getOrSet("kept", nothing, { cacheUndefined: true })).toBeUndefined();
    expect(await cache.getOrSet("kept", nothing, { cacheUndefined: true })).toBeUndefined();
    expect(nothing.runs).toBe(3);
  });

  it("a result that is not JSON gets SerializationError and nothing is cached", async () => {
    const { store, cache } = setup();
    await expect(cache.getOrSet("k", () => ({ big: 10n }))).rejects.toSatisfy(
      SerializationError.isInstance,
    );
    expect(await store.get("k")).toBeUndefined();
  });
});

describe("abort signal", () => {
  it("an aborted signal rejects at once with its reason, and the factory does not run", async () => {
    const { cache } = setup();
    const reason = new Error("client went away");
    await expect(cache.getOrSet("k", never, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
  });

  it("one caller may leave while the others get the value", async () => {
    const { cache } = setup();
    const gate = deferred<string>();
    let factorySignal: AbortSignal | undefined;
    const controller = new AbortController();
    const leaving = cache.getOrSet(
      "k",
      ({ signal }) => {
        factorySignal = signal;
        return gate.promise;
      },
      { signal: controller.signal },
    );
    const staying = cache.getOrSet("k", never);
    await eventually(() => factorySignal !== undefined);
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ name: "AbortError" });
    expect(factorySignal?.aborted).toBe(false);
    gate.resolve("value");
    expect(await staying).toBe("value");
  });

  it("when every caller has aborted, the factory's signal aborts and nothing is cached", async () => {
    const { store, cache } = setup();
    const controllers = [new AbortController(), new AbortController()];
    let factorySignal: AbortSignal | undefined;
    const factory = ({ signal }: { signal: AbortSignal }): Promise<string> => {
      factorySignal = signal;
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    const calls = controllers.map((c) => cache.getOrSet("k", factory, { signal: c.signal }));
    await eventually(() => factorySignal !== undefined);
    for (const controller of controllers) controller.abort();
    for (const call of calls) await expect(call).rejects.toMatchObject({ name: "AbortError" });
    expect(factorySignal?.aborted).toBe(true);
    await eventually(() => cache.statistics().factoryErrors === 1);
    expect(await store.get("k")).toBeUndefined();
    expect(await cache.getOrSet("k", () => "later")).toBe("later");
  });
});

describe("wrap", () => {
  it("memoizes a function by the key of its arguments", async () => {
    const { clock, cache } = setup();
    let calls = 0;
    const price = cache.wrap(
      async (sku: string, currency: string) => {
        calls += 1;
        return { sku, currency, amount: 40 };
      },
      { key: (sku, currency) => `price:${sku}:${currency}`, ttl: "5m" },
    );
    const results = await Promise.all([
      price("lamp", "EUR"),
      price("lamp", "EUR"),
      price("lamp", "USD"),
    ]);
    expect(results.map((r) => r.currency)).toEqual(["EUR", "EUR", "USD"]);
    expect(calls).toBe(2);
    clock.advanceSeconds(301);
    await price("lamp", "EUR");
    expect(calls).toBe(3);
  });

  it("refuses bad options when wrapping", () => {
    const { cache } = setup();
    expect(() => cache.wrap(async () => 1, { key: () => "k", ttl: "soon" })).toThrow(
      InvalidTtlError,
    );
  });
});

describe("get, set and delete", () => {
  it("set stores a value whatever is cached; get reads fresh values only; delete invalidates", async () => {
    const { clock, cache } = setup({ ttl: 10, grace: 60 });
    expect(await cache.get("k")).toBeUndefined();
    await cache.getOrSet("k", () => "computed");
    await cache.set("k", ["set", "by", "hand"]);
    expect(await cache.get("k")).toEqual(["set", "by", "hand"]);
    expect(await cache.getOrSet("k", never)).toEqual(["set", "by", "hand"]);
    clock.advanceSeconds(11);
    expect(await cache.get("k")).toBeUndefined();
    expect(await cache.delete("k")).toBe(true);
    expect(await cache.getOrSet("k", () => "again")).toBe("again");
  });
});

describe("statistics", () => {
  it("counts hits, misses, stale hits and factory runs, and starts again on reset", async () => {
    const { clock, cache } = setup({ ttl: 10, grace: 60 });
    await cache.getOrSet("k", () => 1);
    await cache.getOrSet("k", never);
    clock.advanceSeconds(11);
    await cache.getOrSet("k", () => 2);
    await eventually(() => cache.statistics().factoryRuns === 2);
    expect(cache.statistics()).toEqual({
      since: expect.any(Number),
      hits: 1,
      misses: 1,
      staleHits: 1,
      factoryRuns: 2,
      factoryErrors: 0,
      lockWaits: 0,
      lockTakeovers: 0,
    });
    cache.resetStatistics();
    expect(cache.statistics()).toMatchObject({ hits: 0, misses: 0, factoryRuns: 0 });
  });
});

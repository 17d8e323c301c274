import { type Cache, createCache, FactoryTimeoutError } from "@kv/cache";
import { sleep } from "@kv/conformance";
import { describe, expect, it } from "vitest";
import type { BackendName, Location } from "./fixtures/backends.ts";
import {
  computeTogether,
  countingFactory,
  deferred,
  failTogether,
  refreshTogether,
} from "./fixtures/control.ts";
import { useTestBackends } from "./fixtures/use-backends.ts";

const backends = await useTestBackends();

/** A cache on the location whose key "k" holds "old", stale (its 0.3 s TTL passed) within a minute's grace. */
async function withStaleValue(location: Location): Promise<Cache> {
  const cache = createCache(backends.open(location), { ttl: 0.3, grace: "1m" });
  await cache.getOrSet("k", () => "old");
  await sleep(500);
  return cache;
}

const never = (): Promise<never> => {
  throw new Error("the factory should not run");
};

describe.each<BackendName>(["memory", "redis", "sqlite"])("getOrSet on %s", (backend) => {
  it("runs the factory once for 50 concurrent callers, then answers from the store", async () => {
    const location = backends.fresh(backend);
    const cache = createCache(backends.open(location), { ttl: "1m" });
    const { results, runs } = await computeTogether(cache, 50);
    expect(results).toEqual(Array.from({ length: 50 }, () => ({ run: 1 })));
    expect(runs).toBe(1);

    const elsewhere = createCache(backends.open(location));
    expect(await elsewhere.getOrSet("k", never)).toEqual({ run: 1 });
    expect(elsewhere.statistics()).toMatchObject({ hits: 1, factoryRuns: 0 });
  });

  it("runs it once for 25 callers on each of two connections", async () => {
    const location = backends.fresh(backend);
    const caches = [createCache(backends.open(location)), createCache(backends.open(location))];
    const factory = countingFactory(async (run) => {
      await sleep(200);
      return { run };
    });
    const calls = caches.flatMap((cache) =>
      Array.from({ length: 25 }, () => cache.getOrSet("k", factory)),
    );
    expect(new Set((await Promise.all(calls)).map((value) => value.run))).toEqual(new Set([1]));
    expect(factory.runs).toBe(1);
  });

  it("gives a factory error to every waiting caller and caches nothing", async () => {
    const location = backends.fresh(backend);
    const store = backends.open(location);
    const cache = createCache(store);
    const { failure, errors, runs } = await failTogether(cache, 50);
    expect(errors.every((error) => error === failure)).toBe(true);
    expect(runs).toBe(1);
    expect(await store.get("k")).toBeUndefined();
    expect(await cache.getOrSet("k", () => "recovered")).toBe("recovered");
  });

  it("serves a stale value within its grace period and refreshes it once", async () => {
    const location = backends.fresh(backend);
    const cache = await withStaleValue(location);
    const { served, finish, runs } = await refreshTogether(cache, 20);
    expect(served).toEqual(Array.from({ length: 20 }, () => "old"));
    finish("new");
    await expect.poll(() => cache.get("k")).toBe("new");
    expect(runs()).toBe(1);
    expect(cache.statistics()).toMatchObject({ staleHits: 20, factoryRuns: 2 });
  });

  it("softTimeoutMs: a slow refresh gives the stale value, and finishes in the background", async () => {
    const location = backends.fresh(backend);
    const cache = await withStaleValue(location);
    const refresh = deferred<string>();
    expect(await cache.getOrSet("k", () => refresh.promise, { softTimeoutMs: 50 })).toBe("old");
    refresh.resolve("new");
    const reader = createCache(backends.open(location));
    await expect.poll(() => reader.get("k")).toBe("new");
  });

  it("hardTimeoutMs: FactoryTimeoutError without a stale value; the late value is still stored", async () => {
    const location = backends.fresh(backend);
    const cache = createCache(backends.open(location));
    const slow = deferred<string>();
    await expect(cache.getOrSet("k", () => slow.promise, { hardTimeoutMs: 50 })).rejects.toSatisfy(
      FactoryTimeoutError.isInstance,
    );
    slow.resolve("late");
    const reader = createCache(backends.open(location));
    await expect.poll(() => reader.get("k")).toBe("late");
  });

  it("round-trips every kind of JSON value", async () => {
    const location = backends.fresh(backend);
    const [writer, reader] = [
      createCache(backends.open(location)),
      createCache(backends.open(location)),
    ];
    const values = [{ name: "Ada" }, [1, [2]], "text", 3.5, true, null];
    for (const [index, value] of values.entries()) await writer.getOrSet(`v${index}`, () => value);
    for (const [index, value] of values.entries()) {
      expect(await reader.getOrSet(`v${index}`, never)).toEqual(value);
    }
  });
});

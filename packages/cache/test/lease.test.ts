import { createCache } from "@kv/cache";
import { withoutCapabilities } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { type KeyValue, ManualClock, supportsVersions } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { computeTogether, countingFactory, deferred, eventually } from "./fixtures/control.ts";

// Two caches on one store stand for two processes: each has its own in-process coalescing, and
// only the lease on the store keeps them from computing the same key twice.

const leaseCollection = "kv_cache_leases";

/** Where the lease of an entry is kept (the README's "Physical layout"). */
function leaseKey(collection: string, key: string): string {
  return `${collection.length}:${collection}:${key}`;
}

const never = (): Promise<never> => {
  throw new Error("the factory should not run");
};

describe("the lease on the store", () => {
  it("makes a second cache wait for the holder and read its value", async () => {
    const store = new MemoryStore();
    const [first, second] = [createCache(store), createCache(store)];
    const gate = deferred<string>();
    const holding = first.getOrSet("k", () => gate.promise);
    await eventually(() => first.statistics().factoryRuns === 1);
    const waiting = second.getOrSet("k", never);
    await eventually(() => second.statistics().lockWaits === 1);
    gate.resolve("computed once");
    expect(await Promise.all([holding, waiting])).toEqual(["computed once", "computed once"]);
    expect(second.statistics()).toMatchObject({ factoryRuns: 0, lockWaits: 1, lockTakeovers: 0 });
  });

  it("is taken with a TTL and released once the value is stored", async () => {
    const store = new MemoryStore();
    const cache = createCache(store, { lockTtl: "45s" });
    const gate = deferred<string>();
    const computing = cache.getOrSet("k", () => gate.promise);
    await eventually(() => cache.statistics().factoryRuns === 1);
    const [holder, ttl] = await store.ttl(leaseKey("default_collection", "k"), {
      collection: leaseCollection,
    });
    expect(holder).toEqual({ holder: expect.any(String) });
    expect(ttl).toBeGreaterThan(44);
    gate.resolve("v");
    await computing;
    await expect
      .poll(() => store.get(leaseKey("default_collection", "k"), { collection: leaseCollection }))
      .toBeUndefined();
  });

  it("of a holder that stopped is taken over once its TTL has passed", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const [dead, alive] = [createCache(store, { clock }), createCache(store, { clock })];
    void dead.getOrSet("k", () => new Promise<string>(() => {}), { lockTtl: 5 });
    await eventually(() => dead.statistics().factoryRuns === 1);
    const waiting = alive.getOrSet("k", () => "taken over", { lockTtl: 5, lockWaitMs: 60_000 });
    await eventually(() => alive.statistics().lockWaits === 1);
    clock.advanceSeconds(6);
    expect(await waiting).toBe("taken over");
    expect(alive.statistics()).toMatchObject({ factoryRuns: 1, lockWaits: 1, lockTakeovers: 1 });
  });

  it("waited on for longer than lockWaitMs gives LockTimeoutError", async () => {
    const store = new MemoryStore();
    const [holder, waiter] = [createCache(store), createCache(store)];
    void holder.getOrSet("k", () => new Promise<string>(() => {}));
    await eventually(() => holder.statistics().factoryRuns === 1);
    await expect(waiter.getOrSet("k", never, { lockWaitMs: 50 })).rejects.toMatchObject({
      name: "LockTimeoutError",
      key: "k",
      transient: true,
    });
  });

  for (const versions of [true, false]) {
    const how = versions ? "deleteIfVersion" : "get and delete (a store without versions)";
    it(`of a successor is never released by a holder that outlived its own (${how})`, async () => {
      const clock = new ManualClock();
      const memory = new MemoryStore({ clock });
      const store: KeyValue = versions ? memory : withoutCapabilities(memory, "versions");
      expect(supportsVersions(store)).toBe(versions);
      const [slow, successor] = [createCache(store, { clock }), createCache(store, { clock })];
      const slowGate = deferred<string>();
      const successorGate = deferred<string>();
      const slowCall = slow.getOrSet("k", () => slowGate.promise, { lockTtl: 5 });
      await eventually(() => slow.statistics().factoryRuns === 1);
      const successorCall = successor.getOrSet("k", () => successorGate.promise, {
        lockTtl: 5,
        lockWaitMs: 60_000,
      });
      await eventually(() => successor.statistics().lockWaits === 1);
      clock.advanceSeconds(6);
      await eventually(() => successor.statistics().factoryRuns === 1);

      slowGate.resolve("slow");
      expect(await slowCall).toBe("slow");
      const lease = () =>
        store.get(leaseKey("default_collection", "k"), { collection: leaseCollection });
      expect(await lease()).toEqual({ holder: expect.any(String) });

      successorGate.resolve("successor");
      expect(await successorCall).toBe("successor");
      await expect.poll(lease).toBeUndefined();
    });
  }
});

describe("a store without putIfAbsent", () => {
  it("degrades to protection within one cache: concurrent callers still share one run", async () => {
    const store = withoutCapabilities(new MemoryStore(), "putIfAbsent");
    const cache = createCache(store);
    expect(cache.stampedeProtection).toBe("process");
    const { results, runs } = await computeTogether(cache, 50);
    expect(new Set(results.map(({ run }) => run))).toEqual(new Set([1]));
    expect(runs).toBe(1);
  });

  it("but two caches (two processes) on it each compute", async () => {
    const store = withoutCapabilities(new MemoryStore(), "putIfAbsent");
    const [first, second] = [createCache(store), createCache(store)];
    const gate = deferred<void>();
    const factory = countingFactory(async (run) => {
      await gate.promise;
      return run;
    });
    const calls = [first.getOrSet("k", factory), second.getOrSet("k", factory)];
    await eventually(() => factory.runs === 2);
    gate.resolve();
    await Promise.all(calls);
    expect(first.statistics().lockWaits + second.statistics().lockWaits).toBe(0);
  });

  it('is reported by stampedeProtection, which is "lease" on a store that has it', () => {
    expect(createCache(new MemoryStore()).stampedeProtection).toBe("lease");
  });
});

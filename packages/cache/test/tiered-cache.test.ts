import { randomUUID } from "node:crypto";
import { createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { describe, expect, it } from "vitest";
import { busesOnOwnConnections } from "./fixtures/buses.ts";
import { deferred, eventually } from "./fixtures/control.ts";
import { useTestBackends } from "./fixtures/use-backends.ts";

const backends = await useTestBackends();
const busOn = busesOnOwnConnections();

const never = (): Promise<never> => {
  throw new Error("the factory should not run");
};

describe("createCache with tiers", () => {
  it("keeps computed values in every tier, and another process's cache backfills its own", async () => {
    const location = backends.fresh("redis");
    const [l1, otherL1] = [new MemoryStore({ maxEntries: 100 }), new MemoryStore()];
    const cache = createCache({ tiers: [l1, backends.open(location)], ttl: "1m" });
    expect(await cache.getOrSet("k", () => ({ v: 1 }))).toEqual({ v: 1 });
    expect(await l1.get("k")).toEqual({ v: 1 });

    const other = createCache({ tiers: [otherL1, backends.open(location)], ttl: "1m" });
    expect(await other.getOrSet("k", never)).toEqual({ v: 1 });
    await expect.poll(() => otherL1.get("k")).toEqual({ v: 1 });
    const [, remaining] = await otherL1.ttl("k");
    expect(remaining).toBeLessThanOrEqual(60);
  });

  it("takes its leases in the lowest tier only", async () => {
    const location = backends.fresh("redis");
    const [l1, l2] = [new MemoryStore(), backends.open(location)];
    const cache = createCache({ tiers: [l1, l2] });
    expect(cache.stampedeProtection).toBe("lease");
    const gate = deferred<string>();
    const computing = cache.getOrSet("k", () => gate.promise);
    await eventually(() => cache.statistics().factoryRuns === 1);
    const lease = { collection: "kv_cache_leases" };
    expect(await l2.get("18:default_collection:k", lease)).toEqual({ holder: expect.any(String) });
    expect(await l1.get("18:default_collection:k", lease)).toBeUndefined();
    gate.resolve("v");
    expect(await computing).toBe("v");
  });

  it("with a bus, a delete or set in one process drops the key from the other's upper tier", async () => {
    const location = backends.fresh("redis");
    const channel = `kv-cache-test-${randomUUID()}`;
    const [busA, busB] = [busOn(channel), busOn(channel)];
    await Promise.all([busA.ready(), busB.ready()]);
    const [l1A, l1B] = [new MemoryStore(), new MemoryStore()];
    const a = createCache({ tiers: [l1A, backends.open(location)], bus: busA, ttl: "1m" });
    const b = createCache({ tiers: [l1B, backends.open(location)], bus: busB, ttl: "1m" });

    await a.getOrSet("k", () => "first");
    expect(await b.getOrSet("k", never)).toBe("first");
    const readByB = async () => {
      await b.get("k");
      return l1B.get("k");
    };
    await expect.poll(readByB).toEqual({ "@kv/cache": { value: "first" } });

    await a.delete("k");
    await expect.poll(() => l1B.get("k")).toBeUndefined();
    expect(await b.getOrSet("k", () => "recomputed")).toBe("recomputed");

    await a.set("k", "set elsewhere");
    await expect.poll(() => b.get("k")).toBe("set elsewhere");
    await Promise.all([busA.close(), busB.close()]);
  });
});

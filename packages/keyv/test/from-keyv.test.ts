import { randomUUID } from "node:crypto";
import KeyvRedis from "@keyv/redis";
import { expectOffers, freeLoopbackPort, withoutCapabilities } from "@kv/conformance";
import { fromKeyv, toKeyvStore } from "@kv/keyv";
import { MemoryStore } from "@kv/memory";
import { ManualClock, StoreConnectionError, supportsClose, supportsKeys } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { describe, expect, it, vi } from "vitest";
import { redisUrl, uniqueNamespace } from "./servers.ts";

describe("fromKeyv: layout", () => {
  it("writes py-key-value's entry document under <collection>::<key>, the collection escaped", async () => {
    const map = new Map<string, unknown>();
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = fromKeyv(map, { clock });
    await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 60 });
    await store.put("k", { a: 1 }, { collection: "a:b%c" });
    expect([...map.keys()]).toEqual(["users::u1", "a%3Ab%25c::k"]);
    expect(JSON.parse(map.get("users::u1") as string)).toEqual({
      version: 1,
      collection: "users",
      key: "u1",
      value: { name: "Ada" },
      created_at: "2026-11-23T05:04:57.123000+00:00",
      expires_at: "2026-11-23T05:05:57.123000+00:00",
    });
  });

  it("shares data with @kv/redis: @keyv/redis without a namespace uses the same Redis keys", async () => {
    const collection = `from-keyv-${randomUUID().slice(0, 8)}`;
    const adapter = new KeyvRedis(redisUrl(), { throwOnErrors: true });
    const viaKeyv = fromKeyv(adapter);
    const direct = new RedisStore({ url: redisUrl() });
    try {
      await viaKeyv.put("u1", { name: "Ada" }, { collection, ttl: 60 });
      const [value, ttl] = await direct.ttl("u1", { collection });
      expect(value).toEqual({ name: "Ada" });
      expect(ttl).toBeGreaterThan(59);
      await direct.put("u2", { name: "Grace" }, { collection });
      expect(await viaKeyv.get("u2", { collection })).toEqual({ name: "Grace" });
    } finally {
      await direct.destroyCollection(collection);
      await direct.close();
      await adapter.disconnect();
    }
  });

  it("passes the remaining TTL to the adapter in whole milliseconds, rounded up", async () => {
    const map = new Map<string, unknown>();
    const set = vi.spyOn(map, "set");
    // A fixed clock: with the system clock a millisecond may pass between the put and the set.
    const store = fromKeyv(map, { clock: new ManualClock() });
    await store.put("k", { a: 1 }, { ttl: 1.5 });
    await store.put("l", { a: 1 }, { ttl: 1.5004 });
    expect(set.mock.calls).toEqual([
      ["default_collection::k", expect.any(String), 1500],
      ["default_collection::l", expect.any(String), 1501],
    ]);
  });

  it("never returns an entry past its expiry, though a Map keeps it", async () => {
    const map = new Map<string, unknown>();
    const clock = new ManualClock();
    const store = fromKeyv(map, { clock });
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { ttl: 1 },
    );
    clock.advance(1000);
    expect(await store.getMany(["a", "b"])).toEqual([undefined, undefined]);
    expect(await store.deleteMany(["a", "b"])).toBe(0);
    expect(map.size).toBe(0);
  });
});

describe("fromKeyv: bulk calls and capabilities", () => {
  it("uses the adapter's getMany, setMany and deleteMany, one call each", async () => {
    const adapter = new KeyvRedis(redisUrl(), {
      namespace: uniqueNamespace("from-keyv-bulk"),
      throwOnErrors: true,
    });
    const store = fromKeyv(adapter);
    const calls = {
      getMany: vi.spyOn(adapter, "getMany"),
      setMany: vi.spyOn(adapter, "setMany"),
      deleteMany: vi.spyOn(adapter, "deleteMany"),
      get: vi.spyOn(adapter, "get"),
      set: vi.spyOn(adapter, "set"),
    };
    try {
      await store.putMany([
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ]);
      expect(await store.getMany(["a", "x", "b"])).toEqual([{ n: 1 }, undefined, { n: 2 }]);
      expect(await store.deleteMany(["a", "b", "x"])).toBe(2);
      expect(calls.setMany).toHaveBeenCalledTimes(1);
      expect(calls.deleteMany).toHaveBeenCalledTimes(1);
      expect(calls.getMany).toHaveBeenCalledTimes(2);
      expect(calls.get).not.toHaveBeenCalled();
      expect(calls.set).not.toHaveBeenCalled();
    } finally {
      await adapter.clear();
      await adapter.disconnect();
    }
  });

  it("offers listing, collections and cull for a Map, close only with disconnect(), no atomic operation", async () => {
    const listing = {
      keys: true,
      collections: true,
      destroyCollection: true,
      destroy: true,
      cull: true,
    };
    const atomic = {
      putIfAbsent: false,
      versions: false,
      increment: false,
      touch: false,
      entries: false,
    };
    expectOffers(fromKeyv(new Map()), { ...listing, ...atomic, close: false });
    const adapter = new KeyvRedis(redisUrl());
    expectOffers(fromKeyv(adapter), { ...listing, ...atomic, close: true });
    await adapter.disconnect();
  });

  it("offers no listing when the adapter cannot be iterated", () => {
    const adapter = toKeyvStore(withoutCapabilities(new MemoryStore(), "keys"));
    const store = fromKeyv(adapter);
    expect(supportsKeys(store)).toBe(false);
    expect(supportsClose(store)).toBe(true);
  });

  it("refuses what is not a Keyv storage adapter", () => {
    expect(() => fromKeyv({} as never)).toThrow(TypeError);
  });
});

describe("fromKeyv: errors", () => {
  it("reports an unreachable server as StoreConnectionError with the adapter's error as cause", async () => {
    const port = await freeLoopbackPort();
    const adapter = new KeyvRedis(
      { url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } },
      { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: 500 },
    );
    const error = await fromKeyv(adapter)
      .get("k")
      .catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

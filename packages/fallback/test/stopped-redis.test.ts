import { PrivateServer } from "@kv/conformance";
import { FallbackWrapper } from "@kv/fallback";
import { MemoryStore } from "@kv/memory";
import { ManualClock, StoreConnectionError } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

describe("FallbackWrapper with a RedisStore primary on a redis-server that stops and restarts", () => {
  let redis: PrivateServer;
  let primary: RedisStore;

  beforeAll(async () => {
    redis = await PrivateServer.start({
      command: "redis-server",
      scheme: "redis",
      args: (port) => [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--save",
        "",
        "--appendonly",
        "no",
      ],
    });
    primary = new RedisStore({ url: redis.url, timeoutMs: 1_000 });
  });

  afterAll(async () => {
    await primary?.close();
    await redis?.dispose();
  });

  it("answers from the fallback while redis-server is stopped, and from redis again after it restarts", async () => {
    const fallback = new MemoryStore();
    const clock = new ManualClock(0);
    const store = new FallbackWrapper(primary, fallback, {
      failureThreshold: 2,
      cooldownMs: 30_000,
      clock,
    });
    const collection = "sessions";
    await store.put("s1", { from: "redis" }, { collection });
    await fallback.put("s1", { from: "fallback" }, { collection });
    expect(await store.get("s1", { collection })).toEqual({ from: "redis" });

    await redis.stop();

    // Each of these reaches redis, fails with StoreConnectionError and is answered by the fallback.
    const primaryGet = vi.spyOn(primary, "get");
    expect(await store.get("s1", { collection })).toEqual({ from: "fallback" });
    expect(await store.getMany(["s1", "s2"], { collection })).toEqual([
      { from: "fallback" },
      undefined,
    ]);
    expect(store.circuitState).toBe("open");

    // During the cool-down redis is not asked at all; writes fail fast (writeToFallback is off).
    for (let call = 0; call < 20; call++) {
      expect(await store.get("s1", { collection })).toEqual({ from: "fallback" });
    }
    expect(primaryGet).toHaveBeenCalledTimes(1);
    await expect(store.put("s2", { n: 1 }, { collection })).rejects.toThrow(StoreConnectionError);

    await redis.start();
    // redis-server kept nothing (no persistence): write through the primary once it is reachable.
    for (let attempt = 0; ; attempt++) {
      try {
        await primary.put("s1", { from: "redis, restarted" }, { collection });
        break;
      } catch (error) {
        if (!StoreConnectionError.isInstance(error) || attempt >= 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    expect(await store.get("s1", { collection })).toEqual({ from: "fallback" });
    clock.advance(30_000);
    expect(await store.get("s1", { collection })).toEqual({ from: "redis, restarted" });
    expect(store.circuitState).toBe("closed");
    await store.put("s2", { n: 2 }, { collection });
    expect(await primary.get("s2", { collection })).toEqual({ n: 2 });
    primaryGet.mockRestore();
  });

  it("reports the stopped server as StoreConnectionError from RedisStore itself, the error fallbackOn expects", async () => {
    await redis.stop();
    try {
      const error = await primary.get("k").catch((caught: unknown) => caught);
      expect(StoreConnectionError.isInstance(error)).toBe(true);
    } finally {
      await redis.start();
    }
  });
});

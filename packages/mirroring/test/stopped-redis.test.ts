import { freeLoopbackPort } from "@kv/conformance";
import { MirroringError, MirroringWrapper, type MirrorReport } from "@kv/mirroring";
import { isTransientError, StoreConnectionError } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import type { SqliteStore } from "@kv/sqlite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { realStores } from "./real-stores.ts";

describe("MirroringWrapper over a Redis that is down (a closed loopback port) and SQLite", () => {
  const real = realStores();
  let down: RedisStore;
  let sqlite: SqliteStore;

  beforeAll(async () => {
    down = new RedisStore({
      url: `redis://127.0.0.1:${await freeLoopbackPort()}`,
      connectTimeoutMs: 500,
    });
  });
  beforeEach(() => {
    sqlite = real.inFile();
  });
  afterAll(async () => {
    await down.close();
    await real.dispose();
  });

  it('fails a write under "fail" with a transient MirroringError, while SQLite keeps it', async () => {
    const store = new MirroringWrapper([down, sqlite]);
    const error = await store
      .put("k", { n: 1 }, { collection: "c" })
      .catch((caught: unknown) => caught);
    expect(MirroringError.isInstance(error)).toBe(true);
    const { failures, succeeded } = error as MirroringError;
    expect(succeeded).toBe(1);
    expect(failures.map(({ index }) => index)).toEqual([0]);
    expect(StoreConnectionError.isInstance(failures[0]?.error)).toBe(true);
    expect(isTransientError(error)).toBe(true);
    expect(await sqlite.get("k", { collection: "c" })).toEqual({ n: 1 });
  });

  it('writes to SQLite and reports the Redis failure under "report", fast once Redis is known down', async () => {
    const reports: MirrorReport[] = [];
    const store = new MirroringWrapper([down, sqlite], {
      onPartialFailure: "report",
      report: (report) => void reports.push(report),
    });
    await store.put("warm-up", { n: 0 });
    const started = performance.now();
    for (let index = 0; index < 20; index++) {
      await store.put(`k${index}`, { n: index }, { ttl: 60 });
      expect(await store.get(`k${index}`)).toEqual({ n: index });
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(reports).toHaveLength(41);
    for (const { failures } of reports) {
      expect(failures).toHaveLength(1);
      expect(StoreConnectionError.isInstance(failures[0]?.error)).toBe(true);
    }
    expect(reports.slice(1, 3).map(({ operation }) => operation)).toEqual(["put", "get"]);
  });

  it("repairs a Redis that comes back empty from SQLite, TTLs included", async () => {
    const during = new MirroringWrapper([down, sqlite], {
      onPartialFailure: "report",
      report: () => {},
    });
    await during.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection: "sessions" },
    );
    await during.put("c", { n: 3 }, { collection: "sessions", ttl: 120 });

    const redis = real.inNamespace("repaired");
    const after = new MirroringWrapper([redis, sqlite]);
    expect(await after.repair({ collections: ["sessions"] })).toEqual({
      collections: 1,
      checked: 3,
      copied: 3,
      copiedTo: [3, 0],
    });
    expect(await redis.getMany(["a", "b"], { collection: "sessions" })).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
    const [value, ttl] = await redis.ttl("c", { collection: "sessions" });
    expect(value).toEqual({ n: 3 });
    expect(ttl).toBeGreaterThan(118);
    expect(ttl).toBeLessThanOrEqual(120);
    await redis.close();
  });
});

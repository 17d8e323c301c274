import { MAX_TTL_SECONDS } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { type SuiteContext, sleep } from "./context.ts";

/** TTLs are kept, read back within tolerance, and expired entries are never returned. */
export function describeTtl(t: SuiteContext): void {
  const seconds = t.ttlPrecision === "s";
  /** A TTL short enough to wait out, and how long to wait for it. */
  const shortTtl = seconds ? 1 : 0.4;
  const waitMs = seconds ? 2_200 : 900;
  /** How far a read-back TTL may be below what was written (slow machines, whole seconds). */
  const slack = seconds ? 2 : 1.5;

  describe("time to live", () => {
    it("reads back the remaining TTL within tolerance", async () => {
      const collection = t.collection();
      await t.store.put("k", { a: 1 }, { collection, ttl: 100 });
      await t.settle();
      const [value, ttl] = await t.store.ttl("k", { collection });
      expect(value).toEqual({ a: 1 });
      expect(ttl).toBeGreaterThan(100 - slack);
      expect(ttl).toBeLessThanOrEqual(seconds ? 101 : 100);
    });

    it("keeps fractional TTLs", async () => {
      const collection = t.collection();
      await t.store.put("k", { a: 1 }, { collection, ttl: 50.5 });
      await t.settle();
      const [, ttl] = await t.store.ttl("k", { collection });
      expect(ttl).toBeGreaterThan(50.5 - slack);
      expect(ttl).toBeLessThanOrEqual(seconds ? 51.5 : 50.5);
    });

    it('takes durations for people ("5m", "1 hour", "2h30m") as seconds', async () => {
      const collection = t.collection();
      await t.store.put("k", { a: 1 }, { collection, ttl: "5m" });
      await t.store.putMany([["m", { a: 2 }]], { collection, ttl: "2h30m" });
      await t.settle();
      const [minutes, hours] = (await t.store.ttlMany(["k", "m"], { collection })).map(
        ([, ttl]) => ttl,
      );
      expect(minutes).toBeGreaterThan(300 - slack);
      expect(minutes).toBeLessThanOrEqual(seconds ? 301 : 300);
      expect(hours).toBeGreaterThan(9000 - slack);
      expect(hours).toBeLessThanOrEqual(seconds ? 9001 : 9000);
    });

    it("keeps the longest TTL allowed, MAX_TTL_SECONDS (100 years)", async () => {
      const collection = t.collection();
      await t.store.put("k", { a: 1 }, { collection, ttl: MAX_TTL_SECONDS });
      await t.settle();
      const [value, ttl] = await t.store.ttl("k", { collection });
      expect(value).toEqual({ a: 1 });
      expect(ttl).toBeGreaterThan(MAX_TTL_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(MAX_TTL_SECONDS + 1);
    });

    it("applies the TTL of putMany to every entry", async () => {
      const collection = t.collection();
      await t.store.putMany(
        [
          ["a", { n: 1 }],
          ["b", { n: 2 }],
        ],
        { collection, ttl: 100 },
      );
      await t.settle();
      for (const [, ttl] of await t.store.ttlMany(["a", "b"], { collection })) {
        expect(ttl).toBeGreaterThan(100 - slack);
        expect(ttl).toBeLessThanOrEqual(seconds ? 101 : 100);
      }
    });

    it("never returns an expired entry from get, getMany, ttl or ttlMany", async () => {
      const collection = t.collection();
      await t.store.put("short", { a: 1 }, { collection, ttl: shortTtl });
      await t.store.putMany([["short-many", { a: 2 }]], { collection, ttl: shortTtl });
      await t.store.put("long", { a: 3 }, { collection, ttl: 600 });
      await t.settle();
      expect(await t.store.get("short", { collection })).toEqual({ a: 1 });
      await sleep(waitMs);
      expect(await t.store.get("short", { collection })).toBeUndefined();
      expect(await t.store.get("short-many", { collection })).toBeUndefined();
      expect(await t.store.getMany(["short", "long", "short-many"], { collection })).toEqual([
        undefined,
        { a: 3 },
        undefined,
      ]);
      expect(await t.store.ttl("short", { collection })).toEqual([undefined, undefined]);
      expect(await t.store.ttlMany(["short-many"], { collection })).toEqual([
        [undefined, undefined],
      ]);
    });

    it("can write a key again after it expired", async () => {
      const collection = t.collection();
      await t.store.put("k", { v: 1 }, { collection, ttl: shortTtl });
      await sleep(waitMs);
      await t.store.put("k", { v: 2 }, { collection });
      await t.settle();
      expect(await t.store.ttl("k", { collection })).toEqual([{ v: 2 }, undefined]);
    });

    it("clears the expiry when a key is overwritten without a TTL", async () => {
      const collection = t.collection();
      await t.store.put("k", { v: 1 }, { collection, ttl: shortTtl });
      await t.store.put("k", { v: 2 }, { collection });
      await t.settle();
      await sleep(waitMs);
      expect(await t.store.ttl("k", { collection })).toEqual([{ v: 2 }, undefined]);
    });

    it("sets a new expiry when a key is overwritten with a TTL", async () => {
      const collection = t.collection();
      await t.store.put("k", { v: 1 }, { collection });
      await t.store.put("k", { v: 2 }, { collection, ttl: 100 });
      await t.settle();
      const [value, ttl] = await t.store.ttl("k", { collection });
      expect(value).toEqual({ v: 2 });
      expect(ttl).toBeGreaterThan(100 - slack);
    });
  });
}

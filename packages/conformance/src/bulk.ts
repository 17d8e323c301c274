import { describe, expect, it } from "vitest";
import type { SuiteContext } from "./context.ts";
import { seededCollection } from "./suite-steps.ts";

/** Bulk calls give the same results as the equivalent single calls. */
export function describeBulk(t: SuiteContext): void {
  describe("bulk operations", () => {
    it("answers getMany in the order of the keys, with undefined for missing ones", async () => {
      const collection = await seededCollection(t, [
        ["a", { v: "a" }],
        ["c", { v: "c" }],
      ]);
      expect(await t.store.getMany(["c", "missing", "a"], { collection })).toEqual([
        { v: "c" },
        undefined,
        { v: "a" },
      ]);
    });

    it("answers every occurrence of a key repeated in getMany and ttlMany", async () => {
      const collection = t.collection();
      await t.store.put("a", { v: 1 }, { collection });
      await t.settle();
      expect(await t.store.getMany(["a", "b", "a"], { collection })).toEqual([
        { v: 1 },
        undefined,
        { v: 1 },
      ]);
      expect(await t.store.ttlMany(["a", "a"], { collection })).toEqual([
        [{ v: 1 }, undefined],
        [{ v: 1 }, undefined],
      ]);
    });

    it("accepts empty input", async () => {
      const collection = t.collection();
      expect(await t.store.getMany([], { collection })).toEqual([]);
      expect(await t.store.ttlMany([], { collection })).toEqual([]);
      await t.store.putMany([], { collection });
      expect(await t.store.deleteMany([], { collection })).toBe(0);
    });

    it("matches the single calls for 250 keys", async () => {
      const keys = Array.from({ length: 250 }, (_, index) => `key-${index}`);
      const collection = await seededCollection(
        t,
        keys.map((key, index) => [key, { index, key }]),
      );
      const many = await t.store.getMany(keys, { collection });
      const single = await Promise.all(keys.map((key) => t.store.get(key, { collection })));
      expect(many).toEqual(single);
      expect(many).toEqual(keys.map((key, index) => ({ index, key })));
    });

    it("keeps the last value when putMany repeats a key", async () => {
      const collection = await seededCollection(t, [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
        ["a", { n: 3 }],
      ]);
      expect(await t.store.getMany(["a", "b"], { collection })).toEqual([{ n: 3 }, { n: 2 }]);
    });

    it("counts the distinct keys deleteMany removed", async () => {
      const collection = await seededCollection(t, [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
        ["c", { n: 3 }],
      ]);
      expect(await t.store.deleteMany(["a", "missing", "b", "a"], { collection })).toBe(2);
      await t.settle();
      expect(await t.store.getMany(["a", "b", "c"], { collection })).toEqual([
        undefined,
        undefined,
        { n: 3 },
      ]);
      expect(await t.store.deleteMany(["a", "b"], { collection })).toBe(0);
    });

    it("answers ttlMany like ttl for each key", async () => {
      const collection = t.collection();
      await t.store.put("plain", { n: 1 }, { collection });
      await t.store.put("expiring", { n: 2 }, { collection, ttl: 100 });
      await t.settle();
      const [plain, missing, expiring] = await t.store.ttlMany(["plain", "missing", "expiring"], {
        collection,
      });
      expect(plain).toEqual([{ n: 1 }, undefined]);
      expect(missing).toEqual([undefined, undefined]);
      expect(expiring?.[0]).toEqual({ n: 2 });
      expect(expiring?.[1]).toBeGreaterThan(90);
      expect(expiring?.[1]).toBeLessThanOrEqual(101);
    });

    it("writes every entry of putMany to the named collection only", async () => {
      const collection = t.collection();
      const other = t.collection();
      await t.store.putMany([["k", { n: 1 }]], { collection });
      await t.settle();
      expect(await t.store.getMany(["k"], { collection: other })).toEqual([undefined]);
    });
  });
}

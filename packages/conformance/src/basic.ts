import { InvalidTtlError, SerializationError, type Value } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import type { SuiteContext } from "./context.ts";

/** Values of every JSON shape a store must return exactly as written. */
export const sampleValues: Record<string, Record<string, unknown>> = {
  empty: {},
  flat: { name: "Ada", age: 36, admin: true, nickname: null },
  nested: { profile: { address: { city: "London", lines: ["1 Main St", "Flat 2"] } } },
  arrays: { items: [1, "two", { three: 3 }, [4], null, false] },
  numbers: { zero: 0, negative: -12, float: 3.25, tiny: 1e-9, big: 2 ** 53 - 1, exp: 1.5e300 },
  strings: {
    empty: "",
    unicode: "héllo wörld ✓ 日本語 🙂",
    escapes: 'quote" backslash\\ nl\n tab\t',
  },
  trickyKeys: { "": 1, "a.b": 2, $where: 3, __proto_: 4, "key with spaces": 5, "🙂": 6 },
  large: { blob: "x".repeat(100_000), list: Array.from({ length: 1000 }, (_, index) => index) },
};

/** Reads, writes, overwrites and deletes of single keys. */
export function describeBasic(t: SuiteContext): void {
  describe("basic operations", () => {
    it("reads a missing key as undefined", async () => {
      const collection = t.collection();
      expect(await t.store.get("missing", { collection })).toBeUndefined();
      expect(await t.store.ttl("missing", { collection })).toEqual([undefined, undefined]);
    });

    it("reads back what was put", async () => {
      const collection = t.collection();
      await t.store.put("k", { hello: "world" }, { collection });
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ hello: "world" });
    });

    for (const [name, value] of Object.entries(sampleValues)) {
      it(`round-trips a value: ${name}`, async () => {
        const collection = t.collection();
        await t.store.put(name, value, { collection });
        await t.settle();
        expect(await t.store.get(name, { collection })).toEqual(value);
      });
    }

    it("replaces a value on a second put", async () => {
      const collection = t.collection();
      await t.store.put("k", { version: 1, stale: true }, { collection });
      await t.store.put("k", { version: 2 }, { collection });
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ version: 2 });
    });

    it("deletes a key and says whether it existed", async () => {
      const collection = t.collection();
      await t.store.put("k", { a: 1 }, { collection });
      await t.settle();
      expect(await t.store.delete("k", { collection })).toBe(true);
      await t.settle();
      expect(await t.store.get("k", { collection })).toBeUndefined();
      expect(await t.store.delete("k", { collection })).toBe(false);
      expect(await t.store.delete("never-written", { collection })).toBe(false);
    });

    it("writes to the default collection when none is named", async () => {
      const key = t.uniqueKey();
      const other = t.collection();
      try {
        await t.store.put(key, { where: "default" });
        await t.settle();
        expect(await t.store.get(key)).toEqual({ where: "default" });
        expect(await t.store.get(key, { collection: other })).toBeUndefined();
      } finally {
        await t.store.delete(key);
      }
    });

    it("reports no TTL for an entry written without one", async () => {
      const collection = t.collection();
      await t.store.put("k", { a: 1 }, { collection });
      await t.settle();
      expect(await t.store.ttl("k", { collection })).toEqual([{ a: 1 }, undefined]);
    });

    it("keeps the old value when an overwrite is refused", async () => {
      const collection = t.collection();
      await t.store.put("k", { v: 1 }, { collection });
      await expect(t.store.put("k", { v: 10n } as Value, { collection })).rejects.toThrow(
        SerializationError,
      );
      await expect(t.store.put("k", { v: 2 }, { collection, ttl: -5 })).rejects.toThrow(
        InvalidTtlError,
      );
      await t.settle();
      expect(await t.store.ttl("k", { collection })).toEqual([{ v: 1 }, undefined]);
    });

    it("leaves one complete value after concurrent puts to one key", async () => {
      const collection = t.collection();
      const values = Array.from({ length: 20 }, (_, writer) => ({
        writer,
        payload: String(writer).repeat(2000),
      }));
      await Promise.all(values.map((value) => t.store.put("contended", value, { collection })));
      await t.settle();
      const stored = await t.store.get("contended", { collection });
      expect(values).toContainEqual(stored);
    });
  });
}

/** Reads return copies: neither side can change what is stored by mutating an object. */
export function describeCopySemantics(t: SuiteContext): void {
  describe("copy semantics", () => {
    it("is not changed by mutating a value after putting it", async () => {
      const collection = t.collection();
      const value = { list: [1, 2], nested: { n: 1 } };
      await t.store.put("k", value, { collection });
      value.list.push(3);
      value.nested.n = 99;
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ list: [1, 2], nested: { n: 1 } });
    });

    it("is not changed by mutating what get returned", async () => {
      const collection = t.collection();
      await t.store.put("k", { list: [1, 2], nested: { n: 1 } }, { collection });
      await t.settle();
      const first = (await t.store.get("k", { collection })) as {
        list: number[];
        nested: { n: number };
      };
      first.list.push(3);
      first.nested.n = 99;
      expect(await t.store.get("k", { collection })).toEqual({ list: [1, 2], nested: { n: 1 } });
    });

    it("is not changed by mutating what getMany and ttl returned", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection });
      await t.settle();
      const [many] = await t.store.getMany(["k"], { collection });
      (many as { n: number }).n = 2;
      const [withTtl] = await t.store.ttl("k", { collection });
      (withTtl as { n: number }).n = 3;
      expect(await t.store.get("k", { collection })).toEqual({ n: 1 });
    });

    it("is not changed by mutating entries after putMany", async () => {
      const collection = t.collection();
      const value = { n: 1 };
      await t.store.putMany([["k", value]], { collection });
      value.n = 2;
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ n: 1 });
    });
  });
}

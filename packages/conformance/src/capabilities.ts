import {
  isTransientError,
  type KeyValue,
  SerializationError,
  StoreClosedError,
  StoreConnectionError,
  supports,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { type SuiteContext, sleep } from "./context.ts";
import { collect } from "./helpers.ts";
import { describeOffered, seededCollection } from "./suite-steps.ts";

async function fill(t: SuiteContext, collection: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, index) => `key-${String(index).padStart(4, "0")}`);
  await seededCollection(
    t,
    keys.map((key) => [key, { key }]),
    collection,
  );
  return keys;
}

/**
 * Every optional capability the store declares (by the protocol's type guards) behaves as
 * specified. A capability the store does not declare is not called.
 */
export function describeCapabilities(t: SuiteContext, probe: KeyValue): void {
  describe("capabilities", () => {
    it("declares capabilities consistently (both methods of each pair)", () => {
      const record = probe as unknown as Record<string, unknown>;
      expect(typeof record.keys === "function").toBe(typeof record.iterateKeys === "function");
      expect(typeof record.collections === "function").toBe(
        typeof record.iterateCollections === "function",
      );
    });

    describeOffered(t, probe, "keys", "key enumeration", (store) => {
      it("lists exactly the live keys of one collection", async () => {
        const collection = t.collection();
        const other = t.collection();
        const keys = await fill(t, collection, 5);
        await t.store.put("elsewhere", { n: 1 }, { collection: other });
        await t.store.delete("key-0002", { collection });
        await t.settle();
        const expected = keys.filter((key) => key !== "key-0002");
        expect((await store().keys({ collection })).sort()).toEqual(expected);
        expect((await collect(store().iterateKeys({ collection }))).sort()).toEqual(expected);
      });

      it("lists nothing for an empty collection", async () => {
        const collection = t.collection();
        expect(await store().keys({ collection })).toEqual([]);
        expect(await collect(store().iterateKeys({ collection }))).toEqual([]);
      });

      it("respects the limit of keys()", async () => {
        const collection = t.collection();
        const keys = await fill(t, collection, 30);
        const some = await store().keys({ collection, limit: 7 });
        expect(some).toHaveLength(7);
        for (const key of some) expect(keys).toContain(key);
      });

      it("pages through 1 200 keys with iterateKeys, yielding every one", async () => {
        const collection = t.collection();
        const keys = await fill(t, collection, 1200);
        const seen = await collect(store().iterateKeys({ collection }));
        // Cursors such as Redis SCAN may repeat a key while the backend resizes; none may be lost.
        expect([...new Set(seen)].sort()).toEqual(keys);
      });

      it("returns hostile key names exactly as written", async () => {
        const collection = t.collection();
        const keys = ["a::b", "a/b", "%41", "🙂", "Case", "case", "*?[", "x".repeat(600)];
        const written: string[] = [];
        for (const key of keys) {
          try {
            await t.store.put(key, { key }, { collection });
            written.push(key);
          } catch {
            // a store may refuse a name with InvalidKeyError; the collections group checks that
          }
        }
        await t.settle();
        expect((await store().keys({ collection })).sort()).toEqual(written.sort());
      });
    });

    describeOffered(t, probe, "collections", "collection enumeration", (store) => {
      it("lists collections that hold entries", async () => {
        const first = t.collection();
        const second = t.collection();
        await t.store.put("k", { n: 1 }, { collection: first });
        await t.store.put("k", { n: 2 }, { collection: second });
        await t.settle();
        const listed = await collect(store().iterateCollections());
        expect(listed).toContain(first);
        expect(listed).toContain(second);
        expect(await store().collections({ limit: 1 })).toHaveLength(1);
      });
    });

    describeOffered(t, probe, "destroyCollection", "collection destruction", (store) => {
      it("removes one collection and nothing else", async () => {
        const doomed = t.collection();
        const kept = t.collection();
        await fill(t, doomed, 20);
        await t.store.put("key-0001", { kept: true }, { collection: kept });
        await t.settle();
        expect(await store().destroyCollection(doomed)).toBe(true);
        await t.settle();
        expect(await t.store.get("key-0001", { collection: doomed })).toBeUndefined();
        expect(await t.store.get("key-0001", { collection: kept })).toEqual({ kept: true });
        await t.store.put("again", { n: 1 }, { collection: doomed });
        await t.settle();
        expect(await t.store.get("again", { collection: doomed })).toEqual({ n: 1 });
      });

      it("says false for a collection that held nothing", async () => {
        expect(await store().destroyCollection(t.collection())).toBe(false);
      });
    });

    describeOffered(t, probe, "destroy", "store destruction", (current) => {
      it("removes every collection the store wrote", async () => {
        const store = current();
        const first = t.collection();
        const second = t.collection();
        await t.store.put("a", { n: 1 }, { collection: first });
        await t.store.put("b", { n: 2 }, { collection: second });
        await t.store.put("c", { n: 3 }, { collection: second, ttl: 600 });
        await t.settle();
        expect(await store.destroy()).toBe(true);
        await t.settle();
        expect(await t.store.get("a", { collection: first })).toBeUndefined();
        expect(await t.store.getMany(["b", "c"], { collection: second })).toEqual([
          undefined,
          undefined,
        ]);
        await t.store.put("a", { n: 4 }, { collection: first });
        await t.settle();
        expect(await t.store.get("a", { collection: first })).toEqual({ n: 4 });
      });
    });

    describeOffered(t, probe, "cull", "culling", (store) => {
      it("removes expired entries and keeps live ones", async () => {
        const collection = t.collection();
        const short = t.ttlPrecision === "s" ? 1 : 0.3;
        await t.store.put("short", { n: 1 }, { collection, ttl: short });
        await t.store.put("long", { n: 2 }, { collection, ttl: 600 });
        await t.store.put("forever", { n: 3 }, { collection });
        await sleep(short * 1000 + 600);
        await store().cull();
        await t.settle();
        expect(await t.store.getMany(["short", "long", "forever"], { collection })).toEqual([
          undefined,
          { n: 2 },
          { n: 3 },
        ]);
        const current = t.store;
        if (supports(current, "keys")) {
          expect((await current.keys({ collection })).sort()).toEqual(["forever", "long"]);
        }
      });
    });

    describeOffered(t, probe, "entries", "whole entries", (current) => {
      const precisionMs = t.ttlPrecision === "s" ? 1000 : 1;

      it("writes entries with their own created_at and expiry, several expiries in one call", async () => {
        const store = current();
        const collection = t.collection();
        const now = Date.now();
        await store.writeEntries(
          [
            ["old", { value: { n: 1 }, createdAt: now - 86_400_000, expiresAt: now + 120_000 }],
            ["soon", { value: { n: 2 }, createdAt: now - 1000, expiresAt: now + 30_000 }],
            ["forever", { value: { n: 3 }, createdAt: now - 5000, expiresAt: undefined }],
          ],
          { collection },
        );
        await t.settle();
        const [old, soon, forever, missing] = await store.readEntries(
          ["old", "soon", "forever", "missing"],
          { collection },
        );
        expect(old?.value).toEqual({ n: 1 });
        expect(old?.createdAt).toBe(now - 86_400_000);
        expect(Math.abs((old?.expiresAt ?? 0) - (now + 120_000))).toBeLessThan(precisionMs + 1);
        expect(Math.abs((soon?.expiresAt ?? 0) - (now + 30_000))).toBeLessThan(precisionMs + 1);
        expect(forever).toEqual({ value: { n: 3 }, createdAt: now - 5000, expiresAt: undefined });
        expect(missing).toBeUndefined();
        const [[, oldTtl], [, soonTtl]] = (await store.ttlMany(["old", "soon"], {
          collection,
        })) as [[unknown, number], [unknown, number]];
        expect(oldTtl).toBeGreaterThan(110);
        expect(oldTtl).toBeLessThanOrEqual(121);
        expect(soonTtl).toBeGreaterThan(20);
        expect(soonTtl).toBeLessThanOrEqual(31);
      });

      it("skips entries already expired and refuses bad timestamps before writing", async () => {
        const store = current();
        const collection = t.collection();
        const now = Date.now();
        await store.writeEntries(
          [["gone", { value: { n: 1 }, createdAt: now - 5000, expiresAt: now - 1000 }]],
          { collection },
        );
        await expect(
          store.writeEntries(
            [
              ["fine", { value: { n: 1 }, createdAt: now, expiresAt: undefined }],
              ["bad", { value: { n: 2 }, createdAt: Number.NaN, expiresAt: undefined }],
            ],
            { collection },
          ),
        ).rejects.toThrow(SerializationError);
        await t.settle();
        expect(await store.getMany(["gone", "fine", "bad"], { collection })).toEqual([
          undefined,
          undefined,
          undefined,
        ]);
      });
    });

    describeOffered(t, probe, "close", "closing", (current) => {
      it("closes, and closing twice is harmless", async () => {
        const store = current();
        const collection = t.collection();
        await store.put("k", { n: 1 }, { collection });
        await store.delete("k", { collection });
        await store.close();
        await store.close();
        await store[Symbol.asyncDispose]();
      });

      it("refuses every call after close() with StoreClosedError, which is not transient", async () => {
        const store = current();
        const collection = t.collection();
        await store.put("k", { n: 1 }, { collection });
        await store.close();
        const calls: [string, () => Promise<unknown>][] = [
          ["get", () => store.get("k", { collection })],
          ["getMany", () => store.getMany(["k"], { collection })],
          ["ttl", () => store.ttl("k", { collection })],
          ["put", () => store.put("k", { n: 2 }, { collection })],
          ["putMany", () => store.putMany([["k", { n: 2 }]], { collection })],
          ["delete", () => store.delete("k", { collection })],
          ["deleteMany", () => store.deleteMany(["k"], { collection })],
        ];
        if (supports(store, "keys")) calls.push(["keys", () => store.keys({ collection })]);
        for (const [name, call] of calls) {
          const error = await call().then(
            () => new Error(`${name} succeeded after close()`),
            (thrown: unknown) => thrown,
          );
          expect(StoreClosedError.isInstance(error), `${name}: ${String(error)}`).toBe(true);
          expect(isTransientError(error)).toBe(false);
          expect(StoreConnectionError.isInstance(error)).toBe(false);
        }
      });
    });
  });
}

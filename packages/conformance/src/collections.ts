import { InvalidKeyError, type KeyValue } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import type { SuiteContext } from "./context.ts";

/**
 * Names that break naive layouts: separators, path syntax, glob and percent syntax, control
 * characters, case variants (case-insensitive filesystems), unicode and very long names.
 */
export const hostileNames: readonly string[] = [
  "::",
  "a::b",
  "a:",
  ":b",
  "a:b",
  "/",
  "a/b",
  "..",
  "../escape",
  ".",
  "*",
  "a*",
  "?",
  "[",
  "[ab]",
  "%",
  "%2F",
  "%25",
  "\0",
  "a\0b",
  "\\",
  "a\\b",
  "\n",
  " ",
  "trailing.",
  "Case",
  "case",
  "CASE",
  "CON",
  "🙂",
  "ünïcödé",
  "日本語",
  "_",
  "-",
  "$",
  "#",
  "x".repeat(1000),
  `${"x".repeat(999)}y`,
  "🙂".repeat(300),
];

/** Pairs of (collection, key) that a separator-joined layout would map to one place. */
const collidingPairs: readonly (readonly [string, string])[] = [
  ["a::b", "c"],
  ["a", "b::c"],
  ["a:", ":c"],
  ["a", "::c"],
  ["a/b", "c"],
  ["a", "b/c"],
  ["a\0b", "c"],
  ["a", "b\0c"],
];

type Outcome = "stored" | "rejected";

/** Puts one entry, treating `InvalidKeyError` as a documented refusal of the name. */
async function tryPut(
  store: KeyValue,
  collection: string,
  key: string,
  value: Record<string, unknown>,
): Promise<Outcome> {
  try {
    await store.put(key, value, { collection });
    return "stored";
  } catch (error) {
    if (InvalidKeyError.isInstance(error)) return "rejected";
    throw error;
  }
}

/** Collections are isolated, and no two (collection, key) pairs share storage. */
export function describeCollections(t: SuiteContext): void {
  describe("collections", () => {
    it("keeps the same key in two collections apart", async () => {
      const first = t.collection();
      const second = t.collection();
      await t.store.put("k", { from: "first" }, { collection: first });
      await t.store.put("k", { from: "second" }, { collection: second });
      await t.settle();
      expect(await t.store.get("k", { collection: first })).toEqual({ from: "first" });
      expect(await t.store.get("k", { collection: second })).toEqual({ from: "second" });
      expect(await t.store.delete("k", { collection: first })).toBe(true);
      await t.settle();
      expect(await t.store.get("k", { collection: second })).toEqual({ from: "second" });
    });

    it("stores hostile keys apart from each other, or refuses them with InvalidKeyError", async () => {
      const collection = t.collection();
      const stored: string[] = [];
      for (const [index, key] of hostileNames.entries()) {
        if ((await tryPut(t.store, collection, key, { index })) === "stored") stored.push(key);
      }
      await t.settle();
      expect(stored.length).toBeGreaterThan(0);
      const values = await t.store.getMany(stored, { collection });
      expect(values).toEqual(stored.map((key) => ({ index: hostileNames.indexOf(key) })));
      expect(await t.store.get("escape", { collection })).toBeUndefined();
    });

    it("stores hostile collection names apart from each other, or refuses them", async () => {
      const prefix = t.collection("hostile");
      const stored: string[] = [];
      for (const [index, name] of hostileNames.entries()) {
        const collection = `${prefix}${name}`;
        t.track(collection);
        if ((await tryPut(t.store, collection, "k", { index })) === "stored") stored.push(name);
      }
      await t.settle();
      expect(stored.length).toBeGreaterThan(0);
      for (const name of stored) {
        expect(await t.store.get("k", { collection: `${prefix}${name}` })).toEqual({
          index: hostileNames.indexOf(name),
        });
      }
    });

    it("never lets a separator in a name make two pairs meet", async () => {
      const prefix = t.collection("sep");
      const stored: (readonly [string, string, number])[] = [];
      for (const [index, [name, key]] of collidingPairs.entries()) {
        const collection = `${prefix}${name}`;
        t.track(collection);
        if ((await tryPut(t.store, collection, key, { index })) === "stored") {
          stored.push([collection, key, index]);
        }
      }
      await t.settle();
      for (const [collection, key, index] of stored) {
        expect(await t.store.get(key, { collection })).toEqual({ index });
      }
    });

    it("treats names that differ only in case as different", async () => {
      const collection = t.collection();
      const outcomes = [
        await tryPut(t.store, collection, "Key", { v: "Key" }),
        await tryPut(t.store, collection, "key", { v: "key" }),
        await tryPut(t.store, collection, "KEY", { v: "KEY" }),
      ];
      expect(outcomes).toEqual(["stored", "stored", "stored"]);
      await t.settle();
      expect(await t.store.getMany(["Key", "key", "KEY"], { collection })).toEqual([
        { v: "Key" },
        { v: "key" },
        { v: "KEY" },
      ]);
    });

    it("keeps long keys that share a 999-character prefix apart", async () => {
      const collection = t.collection();
      const base = "p".repeat(999);
      const keys = ["a", "b", "c"].map((suffix) => base + suffix);
      const outcomes: string[] = [];
      for (const key of keys) outcomes.push(await tryPut(t.store, collection, key, { key }));
      await t.settle();
      const stored = keys.filter((_, index) => outcomes[index] === "stored");
      expect(await t.store.getMany(stored, { collection })).toEqual(stored.map((key) => ({ key })));
    });
  });
}

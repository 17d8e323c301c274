import {
  InvalidKeyError,
  InvalidTtlError,
  type KeyValue,
  KeyValueError,
  MAX_TTL_SECONDS,
  MAX_VALUE_DEPTH,
  SerializationError,
  type Value,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";
import type { SuiteContext } from "./context.ts";

/** Keys and collection names every store must refuse with `InvalidKeyError`. */
export const invalidNames: readonly [string, unknown][] = [
  ["the empty string", ""],
  ["a number", 42],
  ["null", null],
  ["undefined", undefined],
  ["an object", { key: "k" }],
  ["a lone surrogate", "bad\uD800name"],
];

/** TTLs every store must refuse with `InvalidTtlError`. */
export const invalidTtls: readonly [string, unknown][] = [
  ["zero", 0],
  ["a negative number", -1],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["true", true],
  ["false", false],
  ["a numeric string without a unit", "10"],
  ["text that is not a duration", "ten minutes"],
  ["null", null],
  ["1e13 seconds (past the maximum)", 1e13],
  ["Number.MAX_SAFE_INTEGER seconds", Number.MAX_SAFE_INTEGER],
  ["1e308 seconds", 1e308],
  ["one second more than MAX_TTL_SECONDS", MAX_TTL_SECONDS + 1],
];

function nestedDeeperThanAllowed(levels: number): () => Value {
  return () => {
    let value: Value = { leaf: 1 };
    for (let level = 1; level < levels; level++) value = { child: value };
    return value;
  };
}

function circular(): Value {
  const value: Value = { a: 1 };
  value.self = value;
  return value;
}

class Point {
  x = 1;
}

/** Values every store must refuse with `SerializationError`. */
export const invalidValues: readonly [string, () => unknown][] = [
  ["a BigInt field", () => ({ n: 10n })],
  ["a function field", () => ({ f: () => 1 })],
  ["a symbol field", () => ({ s: Symbol("s") })],
  ["a circular value", circular],
  ["a nested NaN", () => ({ deep: { n: Number.NaN } })],
  ["a nested Infinity", () => ({ list: [Number.POSITIVE_INFINITY] })],
  [
    `a value nested ${MAX_VALUE_DEPTH + 1} levels deep`,
    nestedDeeperThanAllowed(MAX_VALUE_DEPTH + 1),
  ],
  ["a value nested 10 000 levels deep", nestedDeeperThanAllowed(10_000)],
  ["a Date as the value", () => new Date()],
  ["a Map as the value", () => new Map([["a", 1]])],
  ["an array as the value", () => [1, 2]],
  ["a class instance as the value", () => new Point()],
  ["a nested class instance", () => ({ point: new Point() })],
  ["a nested Date", () => ({ when: new Date() })],
  ["a string as the value", () => "text"],
  ["null as the value", () => null],
  ["undefined as the value", () => undefined],
];

/** Calls a store with input its types forbid, as JavaScript callers can. */
function loose(store: KeyValue): Record<string, (...args: unknown[]) => Promise<unknown>> {
  return store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
}

/** Bad input gets a typed error before anything is written. */
export function describeInputValidation(t: SuiteContext): void {
  describe("input validation", () => {
    for (const [label, key] of invalidNames) {
      it(`refuses ${label} as a key in every operation`, async () => {
        const collection = t.collection();
        const s = loose(t.store);
        await expect(s.get?.(key, { collection })).rejects.toThrow(InvalidKeyError);
        await expect(s.ttl?.(key, { collection })).rejects.toThrow(InvalidKeyError);
        await expect(s.put?.(key, { a: 1 }, { collection })).rejects.toThrow(InvalidKeyError);
        await expect(s.delete?.(key, { collection })).rejects.toThrow(InvalidKeyError);
        await expect(s.getMany?.(["ok", key], { collection })).rejects.toThrow(InvalidKeyError);
        await expect(s.ttlMany?.([key], { collection })).rejects.toThrow(InvalidKeyError);
        await expect(s.deleteMany?.(["ok", key], { collection })).rejects.toThrow(InvalidKeyError);
        await expect(
          s.putMany?.(
            [
              ["ok", { a: 1 }],
              [key, { a: 2 }],
            ],
            { collection },
          ),
        ).rejects.toThrow(InvalidKeyError);
        await t.settle();
        expect(await t.store.get("ok", { collection })).toBeUndefined();
      });

      if (label !== "undefined") {
        it(`refuses ${label} as a collection name`, async () => {
          const s = loose(t.store);
          const collection = key;
          await expect(s.get?.("k", { collection })).rejects.toThrow(InvalidKeyError);
          await expect(s.put?.("k", { a: 1 }, { collection })).rejects.toThrow(InvalidKeyError);
          await expect(s.getMany?.(["k"], { collection })).rejects.toThrow(InvalidKeyError);
          await expect(s.putMany?.([["k", { a: 1 }]], { collection })).rejects.toThrow(
            InvalidKeyError,
          );
          await expect(s.delete?.("k", { collection })).rejects.toThrow(InvalidKeyError);
          await expect(s.deleteMany?.(["k"], { collection })).rejects.toThrow(InvalidKeyError);
        });
      }
    }

    for (const [label, ttl] of invalidTtls) {
      it(`refuses ${label} as a TTL and writes nothing`, async () => {
        const collection = t.collection();
        const s = loose(t.store);
        await expect(s.put?.("k", { a: 1 }, { collection, ttl })).rejects.toThrow(InvalidTtlError);
        await expect(s.putMany?.([["m", { a: 1 }]], { collection, ttl })).rejects.toThrow(
          InvalidTtlError,
        );
        await t.settle();
        expect(await t.store.getMany(["k", "m"], { collection })).toEqual([undefined, undefined]);
      });
    }

    for (const [label, makeValue] of invalidValues) {
      it(`refuses ${label} with SerializationError and writes nothing`, async () => {
        const collection = t.collection();
        const s = loose(t.store);
        await expect(s.put?.("k", makeValue(), { collection })).rejects.toThrow(SerializationError);
        await expect(
          s.putMany?.(
            [
              ["first", { fine: true }],
              ["bad", makeValue()],
            ],
            { collection },
          ),
        ).rejects.toThrow(SerializationError);
        await t.settle();
        expect(await t.store.getMany(["k", "first", "bad"], { collection })).toEqual([
          undefined,
          undefined,
          undefined,
        ]);
      });
    }
  });
}

/** The errors a store throws are the protocol's typed errors, with context. */
export function describeErrors(t: SuiteContext): void {
  describe("errors", () => {
    it("throws errors recognisable by class, by isInstance and by code", async () => {
      const collection = t.collection();
      const error = await loose(t.store)
        .put?.("", { a: 1 }, { collection })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KeyValueError);
      expect(InvalidKeyError.isInstance(error)).toBe(true);
      expect(KeyValueError.isInstance(error)).toBe(true);
      expect(SerializationError.isInstance(error)).toBe(false);
      expect((error as InvalidKeyError).code).toBe("INVALID_KEY");
      expect((error as InvalidKeyError).name).toBe("InvalidKeyError");
    });

    it("names the operation, collection and key in the message", async () => {
      const collection = t.collection();
      const error = await loose(t.store)
        .put?.("user-1", { big: 1n }, { collection })
        .catch((caught: unknown) => caught);
      expect(SerializationError.isInstance(error)).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(collection);
      expect(message).toContain("user-1");
      expect(message).toContain("put");
    });
  });
}

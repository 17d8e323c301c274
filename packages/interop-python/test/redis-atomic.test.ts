import { randomUUID } from "node:crypto";
import { resultsOf, runPyKeyValue } from "@kv/interop-python";
import { supportsIncrement, supportsPutIfAbsent, supportsTouch } from "@kv/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Sides } from "./backends.ts";

const TTL = 3600;

/** A remaining TTL read by py-key-value: what is left of `ttl` since `since`, within 1 s. */
function expectRemaining(remaining: unknown, ttl: number, since: number): void {
  const elapsed = (Date.now() - since) / 1000;
  expect(remaining).toBeGreaterThan(ttl - elapsed - 1);
  expect(remaining).toBeLessThanOrEqual(ttl + 0.01);
}

describe("Redis: py-key-value reads what @kv's atomic operations wrote", () => {
  const collection = `interop_${randomUUID().slice(0, 8)}_atomic`;
  const backend = BACKENDS.find(({ name }) => name === "Redis");
  let sides: Sides;
  let since = 0;
  let counts: number[] = [];
  let read: unknown[] = [];

  beforeAll(async () => {
    if (backend === undefined) throw new Error("no Redis backend");
    sides = await backend.open();
    const { store, python } = sides;
    if (!supportsIncrement(store) || !supportsTouch(store) || !supportsPutIfAbsent(store)) {
      throw new Error("the Redis store lacks the atomic operations");
    }
    // py-key-value writes first: a counter, and two entries to touch.
    resultsOf(
      (
        await runPyKeyValue({
          store: python,
          calls: [
            { method: "put", collection, key: "py-counter", value: { count: 41 }, ttl: 60 },
            { method: "put", collection, key: "touched", value: { name: "Ada" }, ttl: 60 },
            { method: "put", collection, key: "persisted", value: { name: "Bob" }, ttl: 60 },
          ],
        })
      ).results,
    );
    since = Date.now();
    counts = [
      await store.increment("hits", { collection, ttl: TTL }),
      await store.increment("hits", { collection, by: 2 }),
      await store.increment("py-counter", { collection }),
      await store.increment("py-counter", { collection, ttl: TTL, refreshTtl: true }),
    ];
    await store.touch("touched", { collection, ttl: TTL });
    await store.touch("persisted", { collection, ttl: undefined });
    await store.putIfAbsent("lock", { owner: "ts" }, { collection, ttl: TTL });
    const { results } = await runPyKeyValue({
      store: python,
      calls: ["hits", "py-counter", "touched", "persisted", "lock"].map((key) => ({
        method: "ttl",
        collection,
        key,
      })),
    });
    read = resultsOf(results);
  });
  afterAll(() => sides?.cleanUp([collection]));

  it("a counter increment created: { count } with the TTL it was created with", () => {
    expect(counts.slice(0, 2)).toEqual([1, 3]);
    const [value, ttl] = read[0] as [unknown, number];
    expect(value).toEqual({ count: 3 });
    expectRemaining(ttl, TTL, since);
  });

  it("a counter py-key-value wrote, counted on by increment and given a new TTL", () => {
    expect(counts.slice(2)).toEqual([42, 43]);
    const [value, ttl] = read[1] as [unknown, number];
    expect(value).toEqual({ count: 43 });
    expectRemaining(ttl, TTL, since);
  });

  it("entries py-key-value wrote, touched: the value and the new TTL, or none", () => {
    const [touched, ttl] = read[2] as [unknown, number];
    expect(touched).toEqual({ name: "Ada" });
    expectRemaining(ttl, TTL, since);
    expect(read[3]).toEqual([{ name: "Bob" }, null]);
  });

  it("an entry putIfAbsent wrote", () => {
    const [value, ttl] = read[4] as [unknown, number];
    expect(value).toEqual({ owner: "ts" });
    expectRemaining(ttl, TTL, since);
  });
});

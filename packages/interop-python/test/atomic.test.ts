import { randomUUID } from "node:crypto";
import { type PyCall, resultsOf, runPyKeyValue } from "@kv/interop-python";
import { type KeyValue, supports } from "@kv/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Sides } from "./backends.ts";

const TTL = 3600;

/** A remaining TTL read by py-key-value: what is left of `ttl` since `since`, within 1 s. */
function expectRemaining(remaining: unknown, ttl: number, since: number): void {
  const elapsed = (Date.now() - since) / 1000;
  expect(remaining).toBeGreaterThan(ttl - elapsed - 1);
  expect(remaining).toBeLessThanOrEqual(ttl + 0.01);
}

/** The store with the atomic operations the tests call. @throws when it lacks one */
function atomic(store: KeyValue, backend: string) {
  if (
    !supports(store, "increment") ||
    !supports(store, "touch") ||
    !supports(store, "putIfAbsent")
  ) {
    throw new Error(`the ${backend} store lacks the atomic operations`);
  }
  return store;
}

/** The store with versioned reads and conditional writes. @throws when it lacks them */
function conditional(store: KeyValue, backend: string) {
  if (!supports(store, "versions")) throw new Error(`the ${backend} store lacks versions`);
  return store;
}

/**
 * py-key-value writes a counter and two entries, @kv's atomic operations count on and touch them
 * and write a lock, and py-key-value reads every one back. With `versions`, also: a version @kv
 * read before py-key-value wrote the entry again (with the same value) is refused after.
 */
function describeAtomicInterop(backend: string, title: string, versions = false): void {
  describe(title, () => {
    const collection = `interop_${randomUUID().slice(0, 8)}_atomic`;
    let sides: Sides;
    let since = 0;
    let counts: number[] = [];
    let read: unknown[] = [];
    let staleAfterPython = true;
    const versioned: PyCall = { method: "put", collection, key: "versioned", value: { n: 1 } };

    beforeAll(async () => {
      const found = BACKENDS.find(({ name }) => name === backend);
      if (found === undefined) throw new Error(`no ${backend} backend`);
      sides = await found.open();
      const store = atomic(sides.store, backend);
      // py-key-value writes first: a counter, two entries to touch (and one to version).
      resultsOf(
        (
          await runPyKeyValue({
            store: sides.python,
            calls: [
              { method: "put", collection, key: "py-counter", value: { count: 41 }, ttl: 60 },
              { method: "put", collection, key: "touched", value: { name: "Ada" }, ttl: 60 },
              { method: "put", collection, key: "persisted", value: { name: "Bob" }, ttl: 60 },
              ...(versions ? [versioned] : []),
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
      const version = versions
        ? ((await conditional(store, backend).getVersioned("versioned", { collection }))?.version ??
          "")
        : "";
      const { results } = await runPyKeyValue({
        store: sides.python,
        calls: [
          ...["hits", "py-counter", "touched", "persisted", "lock"].map((key) => ({
            method: "ttl" as const,
            collection,
            key,
          })),
          ...(versions ? [versioned] : []),
        ],
      });
      read = resultsOf(results);
      if (versions) {
        staleAfterPython = !(await conditional(store, backend).putIfVersion(
          "versioned",
          { n: 2 },
          version,
          { collection },
        ));
      }
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

    if (versions) {
      it("a version read before py-key-value wrote the entry again is refused after", async () => {
        expect(staleAfterPython).toBe(true);
        expect(await sides.store.get("versioned", { collection })).toEqual({ n: 1 });
      });
    }
  });
}

describeAtomicInterop("Redis", "Redis: py-key-value reads what @kv's atomic operations wrote");
describeAtomicInterop(
  "PostgreSQL",
  "PostgreSQL: the atomic operations of @kv and py-key-value's writes on one table",
  true,
);

import {
  type ConditionalVersions,
  type Incrementable,
  InvalidKeyError,
  InvalidTtlError,
  type KeyValue,
  NotACounterError,
  type PutIfAbsent,
  SerializationError,
  supports,
  supportsEntries,
  type Touchable,
  updateWithRetry,
  type Value,
  type VersionedValue,
} from "@kv/protocol";
import { expect, it } from "vitest";
import { type SuiteContext, sleep } from "./context.ts";
import { describeOffered, seededCollection } from "./suite-steps.ts";

type Atomic = KeyValue & PutIfAbsent & ConditionalVersions & Incrementable & Touchable;

/**
 * A fresh collection already written to and read by a second instance, so that a race on it is
 * not serialised by either instance's one-time setup (which a store may run before its first call).
 */
async function primed(t: SuiteContext): Promise<{ collection: string; other: Atomic }> {
  const collection = t.collection();
  await t.store.put("primer", { primed: true }, { collection });
  await t.settle();
  const other = (await t.peer()) as Atomic;
  await other.get("primer", { collection });
  return { collection, other };
}

/** A fresh collection holding `k` = `{ n: 1 }` (visible to reads), and the versioned read of it. */
async function readVersioned(
  t: SuiteContext,
): Promise<{ collection: string; read: VersionedValue | undefined }> {
  const collection = t.collection();
  await t.store.put("k", { n: 1 }, { collection });
  await t.settle();
  return { collection, read: await (t.store as Atomic).getVersioned("k", { collection }) };
}

/**
 * The atomic operations the store declares: `putIfAbsent`, versioned reads with conditional
 * writes, `increment` and `touch`, each with its concurrency guarantee checked between two
 * instances (see `createPeer`).
 */
export function describeAtomicOperations(t: SuiteContext, probe: KeyValue): void {
  const seconds = t.ttlPrecision === "s";
  const shortTtl = seconds ? 1 : 0.4;
  const waitMs = seconds ? 2_200 : 900;
  const store = () => t.store as Atomic;
  const peer = async () => (await t.peer()) as Atomic;

  describeOffered(t, probe, "putIfAbsent", "putIfAbsent", () => {
    it("writes only where no live entry exists", async () => {
      const collection = t.collection();
      expect(await store().putIfAbsent("k", { n: 1 }, { collection })).toBe(true);
      expect(await store().putIfAbsent("k", { n: 2 }, { collection })).toBe(false);
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ n: 1 });
      expect(await store().putIfAbsent("k", { n: 3 }, { collection: t.collection() })).toBe(true);
    });

    it("counts an expired entry as absent, and keeps the TTL it is given", async () => {
      const collection = t.collection();
      await t.store.put("k", { old: true }, { collection, ttl: shortTtl });
      await sleep(waitMs);
      expect(await store().putIfAbsent("k", { n: 1 }, { collection, ttl: 100 })).toBe(true);
      await t.settle();
      const [value, ttl] = await t.store.ttl("k", { collection });
      expect(value).toEqual({ n: 1 });
      expect(ttl).toBeGreaterThan(97);
    });

    it("lets exactly one of 50 concurrent writers from two instances win", async () => {
      const { collection, other } = await primed(t);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, writer) =>
          (writer % 2 === 0 ? store() : other).putIfAbsent("lock", { writer }, { collection }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      await t.settle();
      expect(await t.store.get("lock", { collection })).toEqual({
        writer: results.indexOf(true),
      });
    });

    it("refuses bad input with typed errors before writing", async () => {
      const collection = t.collection();
      await expect(store().putIfAbsent("", { n: 1 }, { collection })).rejects.toSatisfy(
        InvalidKeyError.isInstance,
      );
      await expect(store().putIfAbsent("k", { n: 1 }, { collection, ttl: -1 })).rejects.toSatisfy(
        InvalidTtlError.isInstance,
      );
      await expect(store().putIfAbsent("k", { n: Number.NaN }, { collection })).rejects.toSatisfy(
        SerializationError.isInstance,
      );
      expect(await t.store.get("k", { collection })).toBeUndefined();
    });
  });

  describeOffered(t, probe, "versions", "versioned writes", () => {
    it("reads a value with its TTL and version, and nothing for a missing key", async () => {
      const collection = t.collection();
      expect(await store().getVersioned("k", { collection })).toBeUndefined();
      await t.store.put("k", { n: 1 }, { collection, ttl: 100 });
      await t.settle();
      const read = await store().getVersioned("k", { collection });
      expect(read?.value).toEqual({ n: 1 });
      expect(read?.ttl).toBeGreaterThan(97);
      expect(typeof read?.version).toBe("string");
    });

    it("replaces a value only while its version holds", async () => {
      const { collection, read: first } = await readVersioned(t);
      expect(await store().putIfVersion("k", { n: 2 }, first?.version ?? "", { collection })).toBe(
        true,
      );
      await t.settle();
      expect(await store().putIfVersion("k", { n: 3 }, first?.version ?? "", { collection })).toBe(
        false,
      );
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ n: 2 });
    });

    it("refuses a stale version after another instance's write, even of the same value", async () => {
      const { collection, read } = await readVersioned(t);
      await sleep(5);
      await (await peer()).put("k", { n: 1 }, { collection });
      await t.settle();
      expect(await store().putIfVersion("k", { n: 9 }, read?.version ?? "", { collection })).toBe(
        false,
      );
      expect(await store().deleteIfVersion("k", read?.version ?? "", { collection })).toBe(false);
      await t.settle();
      expect(await t.store.get("k", { collection })).toEqual({ n: 1 });
    });

    it("never accepts the version of one key for another", async () => {
      const collection = await seededCollection(t, [
        ["a", { same: true }],
        ["b", { same: true }],
      ]);
      const a = await store().getVersioned("a", { collection });
      expect(await store().putIfVersion("b", { n: 2 }, a?.version ?? "", { collection })).toBe(
        false,
      );
      const other = t.collection();
      await t.store.put("a", { same: true }, { collection: other });
      await t.settle();
      expect(await store().deleteIfVersion("a", a?.version ?? "", { collection: other })).toBe(
        false,
      );
    });

    it("refuses a made-up version for a key with no entry, and writes nothing", async () => {
      const { collection, read } = await readVersioned(t);
      const tag = (read?.version ?? "").slice(0, (read?.version ?? "").indexOf(".") + 1);
      await t.store.delete("k", { collection });
      await t.settle();
      for (const token of ["undefined", "null", "NaN", "0", ""]) {
        expect(await store().putIfVersion("k", { n: 2 }, tag + token, { collection })).toBe(false);
        expect(await store().deleteIfVersion("k", tag + token, { collection })).toBe(false);
      }
      await t.settle();
      expect(await t.store.get("k", { collection })).toBeUndefined();
    });

    it("counts an increment or a touch as a write that makes earlier versions stale", async () => {
      const collection = t.collection();
      await t.store.put("c", { count: 1 }, { collection, ttl: 100 });
      await t.settle();
      if (supports(probe, "increment")) {
        const before = await store().getVersioned("c", { collection });
        await store().increment("c", { collection });
        await t.settle();
        expect(
          await store().putIfVersion("c", { n: 0 }, before?.version ?? "", { collection }),
        ).toBe(false);
      }
      if (supports(probe, "touch")) {
        const before = await store().getVersioned("c", { collection });
        await store().touch("c", { collection, ttl: 500 });
        await t.settle();
        expect(await store().deleteIfVersion("c", before?.version ?? "", { collection })).toBe(
          false,
        );
      }
      expect(await t.store.get("c", { collection })).toBeDefined();
    });

    it("deletes only while the version holds", async () => {
      const { collection, read } = await readVersioned(t);
      expect(await store().deleteIfVersion("k", read?.version ?? "", { collection })).toBe(true);
      await t.settle();
      expect(await t.store.get("k", { collection })).toBeUndefined();
      expect(await store().deleteIfVersion("k", read?.version ?? "", { collection })).toBe(false);
    });

    it("refuses the version of an entry that expired since", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection, ttl: shortTtl });
      await t.settle();
      const read = await store().getVersioned("k", { collection });
      await sleep(waitMs);
      expect(await store().getVersioned("k", { collection })).toBeUndefined();
      expect(await store().putIfVersion("k", { n: 2 }, read?.version ?? "", { collection })).toBe(
        false,
      );
    });

    it("keeps the TTL a conditional write gives", async () => {
      const { collection, read } = await readVersioned(t);
      await store().putIfVersion("k", { n: 2 }, read?.version ?? "", { collection, ttl: 100 });
      await t.settle();
      const [, ttl] = await t.store.ttl("k", { collection });
      expect(ttl).toBeGreaterThan(97);
      expect(ttl).toBeLessThanOrEqual(seconds ? 101 : 100);
    });

    if (supports(probe, "putIfAbsent")) {
      it("loses no update among 20 concurrent read-modify-writes from two instances", async () => {
        const { collection, other } = await primed(t);
        const add = (target: Atomic) =>
          updateWithRetry(
            target,
            "tally",
            (current: Value | undefined) => ({ n: ((current?.n as number) ?? 0) + 1 }),
            { collection, attempts: 100, backoffMs: 2 },
          );
        await Promise.all(
          Array.from({ length: 20 }, (_, index) => add(index % 2 === 0 ? store() : other)),
        );
        await t.settle();
        expect(await t.store.get("tally", { collection })).toEqual({ n: 20 });
      });
    }
  });

  describeOffered(t, probe, "increment", "increment", () => {
    it("starts a missing counter at 0, adds, subtracts, and stores { count }", async () => {
      const collection = t.collection();
      expect(await store().increment("c", { collection })).toBe(1);
      expect(await store().increment("c", { collection, by: 5 })).toBe(6);
      expect(await store().increment("c", { collection, by: -2 })).toBe(4);
      await t.settle();
      expect(await t.store.get("c", { collection })).toEqual({ count: 4 });
    });

    it("continues a counter written with put", async () => {
      const collection = t.collection();
      await t.store.put("c", { count: 41 }, { collection });
      await t.settle();
      expect(await store().increment("c", { collection })).toBe(42);
    });

    it("sets the TTL when it creates the counter, and refreshes it only when asked", async () => {
      const collection = t.collection();
      await store().increment("c", { collection, ttl: 100 });
      await store().increment("c", { collection, ttl: 1000 });
      await t.settle();
      expect((await t.store.ttl("c", { collection }))[1]).toBeLessThanOrEqual(seconds ? 101 : 100);
      await store().increment("c", { collection, ttl: 1000, refreshTtl: true });
      await t.settle();
      expect((await t.store.ttl("c", { collection }))[1]).toBeGreaterThan(990);
    });

    it("starts an expired counter again at 0", async () => {
      const collection = t.collection();
      await store().increment("c", { collection, by: 10, ttl: shortTtl });
      await sleep(waitMs);
      expect(await store().increment("c", { collection })).toBe(1);
    });

    it("refuses a value that is not a counter and leaves it unchanged", async () => {
      const collection = t.collection();
      for (const value of [{ name: "x" }, { count: "1" }, { count: 1.5 }, { count: 1, other: 2 }]) {
        await t.store.put("v", value, { collection });
        await t.settle();
        await expect(store().increment("v", { collection })).rejects.toSatisfy(
          NotACounterError.isInstance,
        );
        expect(await t.store.get("v", { collection })).toEqual(value);
      }
    });

    it("refuses a step that is not a safe integer before writing", async () => {
      const collection = t.collection();
      for (const by of [1.5, Number.NaN, 2 ** 53, "1"]) {
        await expect(
          store().increment("c", { collection, by: by as number }),
        ).rejects.toBeInstanceOf(RangeError);
      }
      await expect(store().increment("c", { collection, ttl: 0 })).rejects.toSatisfy(
        InvalidTtlError.isInstance,
      );
      expect(await t.store.get("c", { collection })).toBeUndefined();
    });

    it("counts 1 000 concurrent increments from two instances exactly", async () => {
      const { collection, other } = await primed(t);
      const counts = await Promise.all(
        Array.from({ length: 1000 }, (_, index) =>
          (index % 2 === 0 ? store() : other).increment("hits", { collection }),
        ),
      );
      expect(new Set(counts).size).toBe(1000);
      expect(Math.max(...counts)).toBe(1000);
      await t.settle();
      expect(await t.store.get("hits", { collection })).toEqual({ count: 1000 });
    });
  });

  describeOffered(t, probe, "touch", "touch", () => {
    it("returns false for a missing or expired key", async () => {
      const collection = t.collection();
      expect(await store().touch("k", { collection, ttl: 10 })).toBe(false);
      await t.store.put("k", { n: 1 }, { collection, ttl: shortTtl });
      await sleep(waitMs);
      expect(await store().touch("k", { collection, ttl: 10 })).toBe(false);
      expect(await t.store.get("k", { collection })).toBeUndefined();
    });

    it("extends the expiry without changing the value or its creation time", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection, ttl: seconds ? 2 : 1 });
      await t.settle();
      const before = supportsEntries(t.store)
        ? (await t.store.readEntries(["k"], { collection }))[0]
        : undefined;
      expect(await store().touch("k", { collection, ttl: 100 })).toBe(true);
      await sleep(seconds ? 3_200 : 1_300);
      const [value, ttl] = await t.store.ttl("k", { collection });
      expect(value).toEqual({ n: 1 });
      expect(ttl).toBeGreaterThan(90);
      if (supportsEntries(t.store)) {
        const after = (await t.store.readEntries(["k"], { collection }))[0];
        expect(after?.createdAt).toBe(before?.createdAt);
      }
    });

    it("makes an entry never expire with ttl: undefined", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection, ttl: 100 });
      expect(await store().touch("k", { collection, ttl: undefined })).toBe(true);
      await t.settle();
      expect(await t.store.ttl("k", { collection })).toEqual([{ n: 1 }, undefined]);
    });

    it("refuses a bad TTL before changing anything", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection, ttl: 100 });
      await expect(store().touch("k", { collection, ttl: -5 })).rejects.toSatisfy(
        InvalidTtlError.isInstance,
      );
      await t.settle();
      expect((await t.store.ttl("k", { collection }))[1]).toBeGreaterThan(90);
    });
  });
}

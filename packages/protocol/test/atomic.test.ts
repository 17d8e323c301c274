import {
  applyIncrements,
  BaseWrapper,
  type CounterChange,
  counterEntry,
  IncrementBatcher,
  liveVersionToken,
  NotACounterError,
  nextCount,
  type StoreClass,
  storeWith,
  supportsIncrement,
  UpdateConflictError,
  updateWithRetry,
  type Value,
  versionWithExpiry,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { VersionedMapStore } from "./versioned-map-store.ts";

const change = (by: number, refresh = false): CounterChange => ({
  by,
  now: 1000,
  expiresAt: 5000,
  refresh,
});

describe("versions", () => {
  it("binds a version to its collection and key: another key's, a forged or an empty token never reaches the store", async () => {
    const store = new VersionedMapStore();
    await store.put("a", { n: 1 });
    await store.put("b", { n: 1 });
    const a = await store.getVersioned("a");
    expect(a?.version).toMatch(/^[0-9a-z]+\.1$/);
    const tag = a?.version.split(".")[0] ?? "";
    for (const version of [a?.version ?? "", "1", `${tag}.`, `${tag}1`, ""]) {
      expect(await store.putIfVersion("b", { n: 2 }, version)).toBe(false);
      expect(await store.deleteIfVersion("b", version, { collection: "other" })).toBe(false);
    }
    expect(store.calls).toEqual(["readVersioned default_collection/a"]);
    expect(await store.putIfVersion("a", { n: 2 }, a?.version ?? "")).toBe(true);
    expect(store.calls).toEqual([
      "readVersioned default_collection/a",
      "replaceVersioned default_collection/a 1",
    ]);
  });

  it("refuses a version that is not a string with TypeError before calling the store", async () => {
    const store = new VersionedMapStore();
    await expect(store.putIfVersion("a", { n: 1 }, 1 as unknown as string)).rejects.toThrow(
      TypeError,
    );
    expect(store.calls).toEqual([]);
  });

  it("carries the entry's expiry in a backend's token, refused once the entry has expired", () => {
    const version = versionWithExpiry("12", { expiresAt: 5_000 });
    expect(version).toBe("12:5000");
    expect(liveVersionToken(version, 4_999)).toBe("12");
    expect(liveVersionToken(version, 5_000)).toBeUndefined();
    const forever = versionWithExpiry("3:1", { expiresAt: undefined });
    expect(liveVersionToken(forever, Number.MAX_SAFE_INTEGER)).toBe("3:1");
    for (const malformed of ["12", "12:soon", "12:1.5", "12:-1", ""]) {
      expect(liveVersionToken(malformed, 0)).toBeUndefined();
    }
  });
});

describe("counters", () => {
  it("counterEntry creates a counter with the change's times, and keeps an existing one's", () => {
    expect(counterEntry(undefined, change(2))).toEqual({
      entry: { value: { count: 2 }, createdAt: 1000, expiresAt: 5000 },
      count: 2,
    });
    const existing = { value: { count: 5 }, createdAt: 10, expiresAt: 9000 };
    expect(counterEntry(existing, change(-1)).entry).toEqual({
      value: { count: 4 },
      createdAt: 10,
      expiresAt: 9000,
    });
    expect(counterEntry(existing, change(1, true)).entry.expiresAt).toBe(5000);
  });

  it("nextCount refuses anything but { count: <safe integer> } and sums beyond the safe integers", () => {
    for (const value of [{ count: "1" }, { count: 1.5 }, { count: 1, other: 1 }, { n: 1 }]) {
      expect(() => nextCount(value as Value, 1)).toThrow(NotACounterError);
    }
    expect(() => nextCount({ count: Number.MAX_SAFE_INTEGER }, 1)).toThrow(NotACounterError);
    expect(nextCount({ count: Number.MAX_SAFE_INTEGER }, -1)).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it("applyIncrements applies a batch in order; one that fails changes nothing for the rest", () => {
    const { entry, outcomes } = applyIncrements(
      { value: { count: Number.MAX_SAFE_INTEGER - 2 }, createdAt: 1, expiresAt: undefined },
      [change(1), change(5), change(1)],
    );
    expect(outcomes[0]).toEqual({ count: Number.MAX_SAFE_INTEGER - 1 });
    expect(NotACounterError.isInstance((outcomes[1] as { error: unknown }).error)).toBe(true);
    expect(outcomes[2]).toEqual({ count: Number.MAX_SAFE_INTEGER });
    expect(entry?.value).toEqual({ count: Number.MAX_SAFE_INTEGER });
    expect(
      applyIncrements({ value: { n: 1 }, createdAt: 1, expiresAt: undefined }, [change(1)]).entry,
    ).toBeUndefined();
  });

  it("IncrementBatcher commits together the increments of one tick, then those that arrived while it was in flight", async () => {
    const batches: number[][] = [];
    let count = 0;
    const batcher = new IncrementBatcher(async (_collection, _key, changes) => {
      batches.push(changes.map(({ by }) => by));
      await new Promise((resolve) => setTimeout(resolve, 5));
      return changes.map(({ by }) => {
        if (by === 0) return { error: new Error("zero") };
        count += by;
        return { count };
      });
    });
    const first = [1, 2].map((by) => batcher.add("c", "k", change(by)));
    await Promise.resolve();
    await Promise.resolve();
    const results = await Promise.allSettled([
      ...first,
      ...[0, 3].map((by) => batcher.add("c", "k", change(by))),
    ]);
    expect(batches).toEqual([
      [1, 2],
      [0, 3],
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "failed"))).toEqual([
      1,
      3,
      "failed",
      6,
    ]);
    expect(await batcher.add("c", "k", change(1))).toBe(7);
  });
});

describe("updateWithRetry", () => {
  it("creates with putIfAbsent, replaces with the version read, deletes when update returns undefined", async () => {
    const store = new VersionedMapStore();
    expect(await updateWithRetry(store, "k", () => ({ n: 1 }))).toEqual({ n: 1 });
    expect(await updateWithRetry(store, "k", (v) => ({ n: (v?.n as number) + 1 }))).toEqual({
      n: 2,
    });
    expect(await updateWithRetry(store, "k", () => undefined)).toBeUndefined();
    expect(await store.get("k")).toBeUndefined();
  });

  it("gives up with the transient UpdateConflictError after its attempts", async () => {
    const store = new VersionedMapStore();
    await store.put("k", { n: 0 });
    let runs = 0;
    const error = await updateWithRetry(
      store,
      "k",
      async (value) => {
        runs++;
        await store.put("k", { n: runs }); // another writer gets in every time
        return value;
      },
      { attempts: 3, backoffMs: 0 },
    ).catch((caught: unknown) => caught);
    expect(UpdateConflictError.isInstance(error)).toBe(true);
    expect((error as UpdateConflictError).attempts).toBe(3);
    expect((error as UpdateConflictError).transient).toBe(true);
    expect(runs).toBe(3);
  });

  it("refuses bad options with RangeError", async () => {
    const store = new VersionedMapStore();
    await expect(updateWithRetry(store, "k", () => ({}), { attempts: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(updateWithRetry(store, "k", () => ({}), { backoffMs: -1 })).rejects.toThrow(
      RangeError,
    );
  });
});

const CountingBase: StoreClass<"increment"> = storeWith("increment");

/** A store with a native increment and no versions. */
class CountingOnly extends CountingBase {
  protected async getEntry() {
    return undefined;
  }
  protected async putEntry() {}
  protected async deleteEntry() {
    return false;
  }
  protected async addToCounter() {
    return 1;
  }
}

describe("wrappers", () => {
  /** Stores each value under `sealed`, as an encrypting wrapper would. */
  class Sealing extends BaseWrapper {
    protected override encodeValue(value: Value): Value {
      return { sealed: JSON.stringify(value) };
    }
    protected override decodeValue(stored: Value): Value {
      return JSON.parse(stored.sealed as string) as Value;
    }
  }

  it("a value-transforming wrapper increments by versioned read-modify-write, and only over a store with versions", async () => {
    expect(supportsIncrement(new CountingOnly())).toBe(true);
    const inner = new VersionedMapStore();
    const sealed = new Sealing(inner);
    expect(supportsIncrement(sealed)).toBe(true);
    if (!supportsIncrement(sealed)) return;
    const counts = await Promise.all(Array.from({ length: 10 }, () => sealed.increment("hits")));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await inner.get("hits")).toEqual({ sealed: '{"count":10}' });
    await sealed.put("name", { first: "Ada" });
    await expect(sealed.increment("name")).rejects.toSatisfy(NotACounterError.isInstance);
    expect(supportsIncrement(new Sealing(new CountingOnly()))).toBe(false);
  });
});

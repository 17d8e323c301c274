import { expectOffers, withoutCapabilities } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  capabilityNames,
  InvalidKeyError,
  type KeyValue,
  ManualClock,
  type Operation,
  StoreConnectionError,
  supports,
} from "@kv/protocol";
import { StatisticsWrapper } from "@kv/statistics";
import { describe, expect, it } from "vitest";

/** A store whose calls take the next duration from `latenciesMs` on a manual clock. */
class TimedStore extends BaseWrapper {
  latenciesMs: number[] = [];
  failNext = false;
  readonly clock: ManualClock;

  constructor(clock: ManualClock) {
    super(new MemoryStore());
    this.clock = clock;
  }

  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    this.clock.advance(this.latenciesMs.shift() ?? 0);
    if (this.failNext) {
      this.failNext = false;
      throw new StoreConnectionError({ operation });
    }
    return call(this.store);
  }
}

function timed(): { inner: TimedStore; store: StatisticsWrapper } {
  const clock = new ManualClock(0);
  const inner = new TimedStore(clock);
  return { inner, store: new StatisticsWrapper(inner, { clock }) };
}

describe("StatisticsWrapper", () => {
  it("counts gets, hits and misses per collection, one per key", async () => {
    const store = new StatisticsWrapper(new MemoryStore());
    await store.put("a", { n: 1 }, { collection: "users" });
    await store.get("a", { collection: "users" });
    await store.get("b", { collection: "users" });
    await store.getMany(["a", "b", "c"], { collection: "users" });
    await store.ttl("a", { collection: "users" });
    await store.ttlMany(["a", "z"], { collection: "users" });
    await store.get("a", { collection: "orders" });

    const { collections, total } = store.snapshot();
    expect(collections.users).toMatchObject({ gets: 8, hits: 4, misses: 4, puts: 1, errors: 0 });
    expect(collections.orders).toMatchObject({ gets: 1, hits: 0, misses: 1, puts: 0 });
    expect(total).toMatchObject({ gets: 9, hits: 4, misses: 5, puts: 1 });
    expect(collections.users?.operations.getMany?.calls).toBe(1);
    expect(collections.users?.operations.get?.calls).toBe(2);
  });

  it("counts puts and deletes per key in bulk calls", async () => {
    const store = new StatisticsWrapper(new MemoryStore());
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
        ["c", { n: 3 }],
      ],
      { collection: "c1" },
    );
    await store.putMany([], { collection: "c1" });
    await store.deleteMany(["a", "b", "missing"], { collection: "c1" });
    await store.delete("c", { collection: "c1" });

    const c1 = store.snapshot().collections.c1;
    expect(c1).toMatchObject({ puts: 3, deletes: 4 });
    expect(c1?.operations.putMany?.calls).toBe(2);
    expect(c1?.operations.deleteMany?.calls).toBe(1);
  });

  it("counts errors per collection and per operation, and still times the call", async () => {
    const { inner, store } = timed();
    inner.latenciesMs = [5];
    inner.failNext = true;
    await expect(store.get("k", { collection: "c" })).rejects.toThrow(StoreConnectionError);
    await expect(store.get("", { collection: "c" })).rejects.toThrow(InvalidKeyError);
    await expect(store.put("k", { n: 1 }, { collection: "" })).rejects.toThrow(InvalidKeyError);

    const { collections, total } = store.snapshot();
    expect(collections.c).toMatchObject({ errors: 2, gets: 0, hits: 0, misses: 0 });
    expect(collections.c?.operations.get).toMatchObject({ calls: 2, errors: 2 });
    expect(collections.c?.operations.get?.latency).toMatchObject({ count: 2, maxMs: 5 });
    expect(total.errors).toBe(3);
    expect(Object.keys(collections)).toEqual(["c"]);
  });

  it("summarises latencies: count, mean, p50, p99 and max", async () => {
    const { inner, store } = timed();
    inner.latenciesMs = Array.from({ length: 100 }, (_, index) => index + 1);
    for (let call = 0; call < 100; call++) await store.get("k");

    const latency = store.snapshot().total.operations.get?.latency;
    expect(latency?.count).toBe(100);
    expect(latency?.meanMs).toBeCloseTo(50.5, 6);
    expect(latency?.maxMs).toBe(100);
    expect(Math.abs((latency?.p50Ms ?? 0) - 50) / 50).toBeLessThan(1 / 16);
    expect(Math.abs((latency?.p99Ms ?? 0) - 99) / 99).toBeLessThan(1 / 16);
  });

  it("keeps quantiles within 1/16 from microseconds to minutes, in fixed memory", async () => {
    const { inner, store } = timed();
    // log-uniform durations from 1 µs to 10 min, in a shuffled order
    const durations = Array.from(
      { length: 20_000 },
      (_, index) => 10 ** (-3 + (8.78 * index) / 20_000),
    );
    const shuffled = [...durations].sort((a, b) => Math.sin(a * 1e4) - Math.sin(b * 1e4));
    inner.latenciesMs = [...shuffled];
    for (let call = 0; call < shuffled.length; call++) await store.delete("k");
    expect(inner.latenciesMs).toEqual([]);

    const latency = store.snapshot().total.operations.delete?.latency;
    const exact = (q: number) => durations[Math.ceil(q * durations.length) - 1] ?? 0;
    for (const [q, reported] of [
      [0.5, latency?.p50Ms],
      [0.99, latency?.p99Ms],
    ] as const) {
      expect(Math.abs((reported ?? 0) - exact(q)) / exact(q)).toBeLessThan(1 / 16);
    }
    expect(latency?.maxMs).toBeCloseTo(Math.max(...durations), 3);
  });

  it("counts calls without a collection under the inner store's default collection", async () => {
    const store = new StatisticsWrapper(new MemoryStore({ defaultCollection: "main" }));
    await store.put("k", { n: 1 });
    await store.get("k");
    expect(store.snapshot().collections.main).toMatchObject({ puts: 1, gets: 1, hits: 1 });
  });

  it("counts store-wide calls in the total only", async () => {
    const store = new StatisticsWrapper(new MemoryStore());
    await store.put("k", { n: 1 }, { collection: "c" });
    if (supports(store, "collections")) await store.collections();
    if (supports(store, "destroy")) await store.destroy();
    if (supports(store, "keys")) await store.keys({ collection: "c" });

    const { total, collections } = store.snapshot();
    expect(total.operations.collections?.calls).toBe(1);
    expect(total.operations.destroy?.calls).toBe(1);
    expect(collections.c?.operations.collections).toBeUndefined();
    expect(collections.c?.operations.keys?.calls).toBe(1);
  });

  it("returns a copy from snapshot, and reset starts again", async () => {
    const store = new StatisticsWrapper(new MemoryStore());
    await store.get("k");
    const before = store.snapshot();
    await store.get("k");
    expect(before.total.gets).toBe(1);
    store.reset();
    const after = store.snapshot();
    expect(after.total).toEqual({
      gets: 0,
      hits: 0,
      misses: 0,
      puts: 0,
      deletes: 0,
      errors: 0,
      operations: {},
    });
    expect(after.collections).toEqual({});
    expect(after.since).toBeGreaterThanOrEqual(before.since);
  });

  it("counts collections beyond maxCollections together", async () => {
    const store = new StatisticsWrapper(new MemoryStore(), { maxCollections: 2 });
    for (const collection of ["a", "b", "c", "d", "a"]) await store.get("k", { collection });
    const { collections, otherCollections, total } = store.snapshot();
    expect(Object.keys(collections)).toEqual(["a", "b"]);
    expect(collections.a?.gets).toBe(2);
    expect(otherCollections.gets).toBe(2);
    expect(total.gets).toBe(5);
  });

  it("offers exactly the capabilities of the inner store", () => {
    const store = new StatisticsWrapper(new MemoryStore());
    expectOffers(store, { keys: true, collections: true, destroy: true });
    const plain = withoutCapabilities(new MemoryStore(), ...capabilityNames);
    const bare = new StatisticsWrapper(plain);
    expectOffers(bare, { keys: false, collections: false, destroy: false });
  });
});

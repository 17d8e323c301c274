import { MemoryStore } from "@kv/memory";
import {
  InvalidTtlError,
  type PutOptions,
  supportsCollections,
  supportsKeys,
  type Value,
} from "@kv/protocol";
import { TtlClampWrapper, type TtlClampWrapperOptions } from "@kv/ttl-clamp";
import { describe, expect, it } from "vitest";

/** A memory store that records the options of every write it receives. */
class RecordingStore extends MemoryStore {
  readonly writes: (PutOptions | undefined)[] = [];

  override put(key: string, value: Value, options?: PutOptions): Promise<void> {
    this.writes.push(options);
    return super.put(key, value, options);
  }

  override putMany(entries: readonly (readonly [string, Value])[], options?: PutOptions) {
    this.writes.push(options);
    return super.putMany(entries, options);
  }
}

function setup(options?: TtlClampWrapperOptions) {
  const inner = new RecordingStore();
  return { inner, store: new TtlClampWrapper(inner, options) };
}

const bounds = { minTtl: 60, maxTtl: "1h" };

describe("TtlClampWrapper", () => {
  it("raises a TTL below minTtl to minTtl", async () => {
    const { inner, store } = setup(bounds);
    await store.put("k", { a: 1 }, { ttl: 5 });
    expect(inner.writes).toEqual([{ ttl: 60 }]);
  });

  it("lowers a TTL above maxTtl to maxTtl", async () => {
    const { inner, store } = setup(bounds);
    await store.put("k", { a: 1 }, { collection: "c", ttl: "1 day" });
    expect(inner.writes).toEqual([{ collection: "c", ttl: 3600 }]);
    const [value, ttl] = await store.ttl("k", { collection: "c" });
    expect(value).toEqual({ a: 1 });
    expect(ttl).toBeGreaterThan(3599);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it("passes a TTL within the bounds unchanged", async () => {
    const { inner, store } = setup(bounds);
    const options = { ttl: 90.5 };
    await store.put("k", { a: 1 }, options);
    expect(inner.writes[0]).toBe(options);
  });

  it("resolves a duration within the bounds to seconds", async () => {
    const { inner, store } = setup(bounds);
    await store.put("k", { a: 1 }, { ttl: "2m" });
    expect(inner.writes).toEqual([{ ttl: 120 }]);
  });

  it("clamps the TTL of putMany for every entry", async () => {
    const { inner, store } = setup(bounds);
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { ttl: 1 },
    );
    expect(inner.writes).toEqual([{ ttl: 60 }]);
    for (const [, ttl] of await store.ttlMany(["a", "b"])) expect(ttl).toBeGreaterThan(59);
  });

  it("leaves a write without a TTL never expiring when there is no defaultTtl, as py-key-value does", async () => {
    const { inner, store } = setup(bounds);
    await store.put("k", { a: 1 });
    await store.putMany([["m", { a: 2 }]], { collection: "c" });
    expect(inner.writes).toEqual([undefined, { collection: "c" }]);
    expect(await store.ttl("k")).toEqual([{ a: 1 }, undefined]);
  });

  it("gives a write without a TTL the defaultTtl", async () => {
    const { inner, store } = setup({ ...bounds, defaultTtl: "10m" });
    await store.put("k", { a: 1 });
    await store.putMany([["m", { a: 2 }]], { collection: "c", ttl: undefined });
    expect(inner.writes).toEqual([{ ttl: 600 }, { collection: "c", ttl: 600 }]);
  });

  it("takes defaultTtl without bounds, and bounds on one side only", async () => {
    const defaulted = setup({ defaultTtl: 30 });
    await defaulted.store.put("k", { a: 1 });
    await defaulted.store.put("k", { a: 1 }, { ttl: 1e6 });
    expect(defaulted.inner.writes).toEqual([{ ttl: 30 }, { ttl: 1e6 }]);
    const capped = setup({ maxTtl: 100 });
    await capped.store.put("k", { a: 1 }, { ttl: 0.5 });
    await capped.store.put("k", { a: 1 }, { ttl: 500 });
    expect(capped.inner.writes).toEqual([{ ttl: 0.5 }, { ttl: 100 }]);
  });

  it("refuses an invalid TTL with InvalidTtlError rather than clamping it, and writes nothing", async () => {
    const { store } = setup(bounds);
    for (const ttl of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, "soon", true]) {
      const options = { collection: "c", ttl } as PutOptions;
      const error = await store.put("k", { a: 1 }, options).catch((e: unknown) => e);
      expect(InvalidTtlError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ operation: "put", collection: "c", key: "k" });
      await expect(store.putMany([["m", { a: 1 }]], options)).rejects.toThrow(InvalidTtlError);
    }
    expect(await store.getMany(["k", "m"], { collection: "c" })).toEqual([undefined, undefined]);
  });

  it("changes nothing without options: the caller's options reach the inner store as they are", async () => {
    const { inner, store } = setup();
    const options = { collection: "c", ttl: 5 };
    await store.put("k", { a: 1 }, options);
    await store.put("k", { a: 1 });
    expect(inner.writes[0]).toBe(options);
    expect(inner.writes[1]).toBeUndefined();
  });

  it("leaves values, reads and entries written before it untouched", async () => {
    const { inner, store } = setup(bounds);
    await inner.put("old", { a: 1 }, { ttl: 7200 });
    await store.put("new", { b: [1, { c: null }] }, { ttl: 120 });
    expect(await inner.get("new")).toEqual({ b: [1, { c: null }] });
    const [value, ttl] = await store.ttl("old");
    expect(value).toEqual({ a: 1 });
    expect(ttl).toBeGreaterThan(7199);
  });

  it("refuses options that cannot work with RangeError", () => {
    const inner = new MemoryStore();
    const refused: TtlClampWrapperOptions[] = [
      { minTtl: 0 },
      { maxTtl: -1 },
      { minTtl: "soon" },
      { defaultTtl: Number.NaN },
      { minTtl: "1h", maxTtl: "1m" },
      { minTtl: 60, defaultTtl: 30 },
      { maxTtl: 60, defaultTtl: 90 },
    ];
    for (const options of refused) {
      expect(() => new TtlClampWrapper(inner, options)).toThrow(RangeError);
    }
    const error = (() => {
      try {
        new TtlClampWrapper(inner, { maxTtl: "soon" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/^maxTtl: /);
    expect(InvalidTtlError.isInstance(error?.cause)).toBe(true);
  });

  it("keeps the inner store's capabilities", async () => {
    const { store } = setup(bounds);
    await store.put("k", { a: 1 }, { collection: "c", ttl: 1 });
    expect(supportsKeys(store) && supportsCollections(store)).toBe(true);
    expect(await store.keys?.({ collection: "c" })).toEqual(["k"]);
  });
});

import { collect, expectRefusals, expectRefusedExactly, OperationRecorder } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { capabilityNames, isTransientError, StoreClosedError, supports } from "@kv/protocol";
import { ReadOnlyError, ReadOnlyWrapper, type ReadOnlyWrapperOptions } from "@kv/read-only";
import { describe, expect, it } from "vitest";
import { writing } from "./operations.ts";

async function setup(options?: ReadOnlyWrapperOptions) {
  const memory = new MemoryStore();
  await memory.put("a", { n: 1 }, { collection: "c" });
  await memory.put("b", { n: 2 }, { collection: "c", ttl: 100 });
  await memory.put("x", { n: 3 });
  const inner = new OperationRecorder(memory);
  return { memory, inner, store: new ReadOnlyWrapper(inner, options) };
}

/** Every call the wrapper refuses, with what it returns when dropped. */
function writes(store: ReadOnlyWrapper): [string, () => Promise<unknown>, unknown][] {
  return [
    ["put", () => store.put("a", { n: 9 }, { collection: "c" }), undefined],
    ["putMany", () => store.putMany([["new", { n: 9 }]], { collection: "c" }), undefined],
    ["delete", () => store.delete("a", { collection: "c" }), false],
    ["deleteMany", () => store.deleteMany(["a", "b"], { collection: "c" }), 0],
    ["destroyCollection", async () => store.destroyCollection?.("c"), false],
    ["destroy", async () => store.destroy?.(), false],
    ["cull", async () => store.cull?.(), undefined],
  ];
}

async function contents(memory: MemoryStore) {
  return {
    c: await memory.getMany(["a", "b", "new"], { collection: "c" }),
    default: await memory.get("x"),
  };
}

const unchanged = { c: [{ n: 1 }, { n: 2 }, undefined], default: { n: 3 } };

describe("ReadOnlyWrapper", () => {
  it("passes get, getMany, ttl, ttlMany and every listing through", async () => {
    const { store } = await setup();
    expect(await store.get("a", { collection: "c" })).toEqual({ n: 1 });
    expect(await store.getMany(["a", "missing"], { collection: "c" })).toEqual([
      { n: 1 },
      undefined,
    ]);
    const [value, ttl] = await store.ttl("b", { collection: "c" });
    expect(value).toEqual({ n: 2 });
    expect(ttl).toBeGreaterThan(99);
    expect((await store.ttlMany(["a"], { collection: "c" }))[0]).toEqual([{ n: 1 }, undefined]);
    expect((await store.keys?.({ collection: "c" }))?.sort()).toEqual(["a", "b"]);
    expect((await collect(store.iterateKeys?.({ collection: "c" }))).sort()).toEqual(["a", "b"]);
    expect((await store.collections?.())?.sort()).toEqual(["c", "default_collection"]);
    expect(await collect(store.iterateCollections?.())).toHaveLength(2);
  });

  it("refuses put, putMany, delete, deleteMany, destroyCollection, destroy and cull with ReadOnlyError, before they reach the store", async () => {
    const { memory, inner, store } = await setup();
    await expectRefusals(writes(store), ReadOnlyError.isInstance);
    expect(inner.reached).toEqual([]);
    expect(await contents(memory)).toEqual(unchanged);
  });

  it("classifies every method of the protocol's capability table by its operation: writes refused, the rest passed", async () => {
    await expectRefusedExactly(
      (inner) => new ReadOnlyWrapper(inner),
      () => new MemoryStore(),
      ReadOnlyError.isInstance,
      (operation) => writing.has(operation),
    );
  });

  it("says which operation and collection were refused; the error is not transient", async () => {
    const { store } = await setup();
    const error = (await store.delete("a", { collection: "c" }).catch((e: unknown) => e)) as
      | ReadOnlyError
      | undefined;
    expect(error).toBeInstanceOf(ReadOnlyError);
    expect(error?.name).toBe("ReadOnlyError");
    expect(error?.code).toBe("READ_ONLY");
    expect(error?.collection).toBe("c");
    expect(error?.message).toContain("read-only");
    expect(error?.message).toContain("delete");
    expect(error?.transient).toBe(false);
    expect(isTransientError(error)).toBe(false);
    const destroyed = await store.destroyCollection?.("users").catch((e: unknown) => e);
    expect((destroyed as ReadOnlyError).collection).toBe("users");
  });

  it('with onWrite: "drop", writes succeed without reaching the store: deletes say nothing was deleted', async () => {
    const { memory, inner, store } = await setup({ onWrite: "drop" });
    for (const [operation, call, dropped] of writes(store)) {
      expect(await call(), operation).toBe(dropped);
    }
    expect(inner.reached).toEqual([]);
    expect(await contents(memory)).toEqual(unchanged);
    expect(await store.get("a", { collection: "c" })).toEqual({ n: 1 });
  });

  it("refuses or drops a write whatever its input: nothing reaches the store to be checked", async () => {
    const refusing = (await setup()).store;
    await expect(refusing.put("", { n: 1 })).rejects.toThrow(ReadOnlyError);
    await expect(refusing.putMany([["k", { big: 1n }]], { ttl: -1 })).rejects.toThrow(
      ReadOnlyError,
    );
    const dropping = (await setup({ onWrite: "drop" })).store;
    await expect(dropping.put("", { n: 1 })).resolves.toBeUndefined();
    await expect(dropping.deleteMany([""])).resolves.toBe(0);
  });

  it("reports a refused write as a rejected promise, never a synchronous throw", async () => {
    const { store } = await setup();
    const pending = store.deleteMany(["a"]);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow(ReadOnlyError);
  });

  it("still refuses bad input to reads with the inner store's errors", async () => {
    const { store } = await setup({ onWrite: "drop" });
    await expect(store.get("")).rejects.toMatchObject({ name: "InvalidKeyError" });
    await expect(store.keys?.({ collection: "" })).rejects.toMatchObject({
      name: "InvalidKeyError",
    });
  });

  it("passes close through, then refuses writes with StoreClosedError in both modes", async () => {
    for (const onWrite of ["throw", "drop"] as const) {
      let closed = 0;
      const inner = Object.assign(new MemoryStore(), {
        close: async () => {
          closed++;
        },
      });
      const store = new ReadOnlyWrapper(inner, { onWrite });
      await store.close?.();
      expect(closed).toBe(1);
      for (const [operation, call] of writes(store)) {
        const error = await call().catch((caught: unknown) => caught);
        expect(StoreClosedError.isInstance(error), `${onWrite} ${operation}`).toBe(true);
      }
    }
  });

  it("offers exactly the capabilities of the inner store", async () => {
    const { memory, store } = await setup();
    for (const capability of capabilityNames) {
      expect(supports(store, capability), capability).toBe(supports(memory, capability));
    }
  });

  it('refuses an onWrite other than "throw" or "drop" with RangeError', () => {
    for (const onWrite of ["ignore", true, null]) {
      expect(
        () =>
          new ReadOnlyWrapper(new MemoryStore(), { onWrite } as unknown as ReadOnlyWrapperOptions),
      ).toThrow(RangeError);
    }
  });
});

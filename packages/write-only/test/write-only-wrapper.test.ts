import { collect, expectRefusals, expectRefusedExactly, OperationRecorder } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import {
  capabilityNames,
  isTransientError,
  type KeyValue,
  type Operation,
  StoreClosedError,
  supports,
} from "@kv/protocol";
import { WriteOnlyError, WriteOnlyWrapper } from "@kv/write-only";
import { describe, expect, it } from "vitest";
import { reading } from "./operations.ts";

function setup() {
  const memory = new MemoryStore();
  const inner = new OperationRecorder(memory);
  return { memory, inner, store: new WriteOnlyWrapper(inner) };
}

/** Every call the wrapper refuses. */
function reads(store: WriteOnlyWrapper): [Operation, () => Promise<unknown>][] {
  return [
    ["get", () => store.get("a", { collection: "c" })],
    ["getMany", () => store.getMany(["a"], { collection: "c" })],
    ["ttl", () => store.ttl("a", { collection: "c" })],
    ["ttlMany", () => store.ttlMany(["a"], { collection: "c" })],
    ["keys", async () => store.keys?.({ collection: "c" })],
    ["keys", () => collect(store.iterateKeys?.({ collection: "c" }))],
    ["collections", async () => store.collections?.()],
    ["collections", () => collect(store.iterateCollections?.())],
  ];
}

describe("WriteOnlyWrapper", () => {
  it("refuses get, getMany, ttl, ttlMany and every listing with WriteOnlyError, before they reach the store", async () => {
    const { memory, inner, store } = setup();
    await memory.put("a", { n: 1 }, { collection: "c" });
    await expectRefusals(reads(store), WriteOnlyError.isInstance);
    expect(inner.reached).toEqual([]);
  });

  it("classifies every method of the protocol's capability table by its operation: reads refused, the rest passed", async () => {
    await expectRefusedExactly(
      (inner) => new WriteOnlyWrapper(inner),
      () => new MemoryStore(),
      WriteOnlyError.isInstance,
      (operation) => reading.has(operation),
    );
  });

  it("says which operation and collection were refused; the error is not transient", async () => {
    const { store } = setup();
    const error = (await store.get("a", { collection: "c" }).catch((e: unknown) => e)) as
      | WriteOnlyError
      | undefined;
    expect(error).toBeInstanceOf(WriteOnlyError);
    expect(error?.name).toBe("WriteOnlyError");
    expect(error?.code).toBe("WRITE_ONLY");
    expect(error?.collection).toBe("c");
    expect(error?.message).toContain("write-only");
    expect(error?.message).toContain("get");
    expect(isTransientError(error)).toBe(false);
  });

  it("passes put, putMany, delete and deleteMany through, with their results", async () => {
    const { memory, store } = setup();
    await store.put("a", { n: 1 }, { collection: "c", ttl: 100 });
    await store.putMany(
      [
        ["b", { n: 2 }],
        ["c", { n: 3 }],
      ],
      { collection: "c" },
    );
    const [value, ttl] = await memory.ttl("a", { collection: "c" });
    expect(value).toEqual({ n: 1 });
    expect(ttl).toBeGreaterThan(99);
    expect(await memory.getMany(["b", "c"], { collection: "c" })).toEqual([{ n: 2 }, { n: 3 }]);
    expect(await store.delete("a", { collection: "c" })).toBe(true);
    expect(await store.delete("a", { collection: "c" })).toBe(false);
    expect(await store.deleteMany(["b", "c", "zz"], { collection: "c" })).toBe(2);
    expect(await memory.keys({ collection: "c" })).toEqual([]);
  });

  it("passes destroyCollection, destroy and cull through", async () => {
    const { memory, inner, store } = setup();
    await store.put("a", { n: 1 }, { collection: "c" });
    await store.put("b", { n: 1 }, { collection: "d" });
    expect(await store.destroyCollection?.("c")).toBe(true);
    expect(await memory.collections()).toEqual(["d"]);
    await store.cull?.();
    expect(await store.destroy?.()).toBe(true);
    expect(await memory.collections()).toEqual([]);
    expect(inner.reached).toEqual(["put", "put", "destroyCollection", "cull", "destroy"]);
  });

  it("leaves input checks to the store for what it passes: bad input still gets the protocol's errors", async () => {
    const { store } = setup();
    await expect(store.put("", { n: 1 })).rejects.toMatchObject({ name: "InvalidKeyError" });
    await expect(store.put("k", { n: 1 }, { ttl: 0 })).rejects.toMatchObject({
      name: "InvalidTtlError",
    });
    await expect(store.get("")).rejects.toThrow(WriteOnlyError);
  });

  it("reports a refusal as a rejected promise or a failing stream, never a synchronous throw", async () => {
    const { store } = setup();
    const pending = store.getMany(["a"]);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow(WriteOnlyError);
    const stream = store.iterateKeys?.();
    expect(stream).toBeDefined();
    await expect(collect(stream)).rejects.toThrow(WriteOnlyError);
  });

  it("passes close through, then refuses reads with StoreClosedError", async () => {
    let closed = 0;
    const inner = Object.assign(new MemoryStore(), {
      close: async () => {
        closed++;
      },
    });
    const store = new WriteOnlyWrapper(inner);
    await store.close?.();
    expect(closed).toBe(1);
    for (const [operation, call] of reads(store)) {
      const error = await call().catch((caught: unknown) => caught);
      expect(StoreClosedError.isInstance(error), operation).toBe(true);
    }
  });

  it("offers exactly the capabilities of the inner store", () => {
    const { memory, store } = setup();
    for (const capability of capabilityNames) {
      expect(supports(store, capability), capability).toBe(supports(memory, capability));
    }
    const bare: KeyValue = {
      get: async () => undefined,
      getMany: async (keys) => keys.map(() => undefined),
      ttl: async () => [undefined, undefined],
      ttlMany: async (keys) => keys.map(() => [undefined, undefined]),
      put: async () => {},
      putMany: async () => {},
      delete: async () => false,
      deleteMany: async () => 0,
    };
    const wrapped = new WriteOnlyWrapper(bare);
    expect(capabilityNames.filter((capability) => supports(wrapped, capability))).toEqual([]);
    expect(wrapped.iterateKeys).toBeUndefined();
  });
});

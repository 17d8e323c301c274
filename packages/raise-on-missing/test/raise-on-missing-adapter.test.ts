import { rejection, useStore } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { InvalidKeyError, type KeyValue, KeyValueError, ManualClock } from "@kv/protocol";
import { MissingKeyError, RaiseOnMissingAdapter } from "@kv/raise-on-missing";
import { beforeEach, describe, expect, it } from "vitest";
import { storeFactories } from "./stores.ts";

describe.each(storeFactories)("RaiseOnMissingAdapter over %s", (_name, open) => {
  const current = useStore(open);
  let store: KeyValue;
  let adapter: RaiseOnMissingAdapter;

  beforeEach(async () => {
    store = current().store;
    adapter = new RaiseOnMissingAdapter(store);
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection: "c", ttl: 600 },
    );
    await store.put("plain", { n: 0 });
  });

  it("returns present values as the store does", async () => {
    expect(await adapter.get("a", { collection: "c" })).toEqual({ n: 1 });
    expect(await adapter.getMany(["b", "a", "b"], { collection: "c" })).toEqual([
      { n: 2 },
      { n: 1 },
      { n: 2 },
    ]);
    const [value, ttl] = await adapter.ttl("a", { collection: "c" });
    expect(value).toEqual({ n: 1 });
    expect(ttl).toBeGreaterThan(500);
    expect(await adapter.ttl("plain")).toEqual([{ n: 0 }, undefined]);
    const found = await adapter.ttlMany(["a", "b"], { collection: "c" });
    expect(found.map(([found]) => found)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("get throws MissingKeyError naming the collection and the key", async () => {
    const error = await rejection(adapter.get("x", { collection: "c" }));
    expect(error).toBeInstanceOf(MissingKeyError);
    expect(error).toBeInstanceOf(KeyValueError);
    expect(error).toMatchObject({
      name: "MissingKeyError",
      code: "MISSING_KEY",
      operation: "get",
      collection: "c",
      key: "x",
      keys: ["x"],
    });
    expect((error as Error).message).toBe("Key is missing (operation: get, collection: c, key: x)");
  });

  it("ttl throws MissingKeyError for a missing key", async () => {
    const error = await rejection(adapter.ttl("x", { collection: "c" }));
    expect(error).toMatchObject({ operation: "ttl", collection: "c", keys: ["x"] });
  });

  it("getMany throws once, naming every missing key in call order, each once", async () => {
    const error = await rejection(adapter.getMany(["y", "a", "x", "y"], { collection: "c" }));
    expect(MissingKeyError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      operation: "getMany",
      collection: "c",
      key: "y",
      keys: ["y", "x"],
    });
    expect((error as Error).message).toContain('2 keys are missing: "y", "x"');
  });

  it("ttlMany throws once, naming every missing key", async () => {
    const error = await rejection(adapter.ttlMany(["a", "x", "b", "z"], { collection: "c" }));
    expect(error).toMatchObject({ operation: "ttlMany", keys: ["x", "z"] });
  });

  it("throwOnMissing: false reads missing keys as undefined", async () => {
    const lenient = { collection: "c", throwOnMissing: false } as const;
    expect(await adapter.get("x", lenient)).toBeUndefined();
    expect(await adapter.getMany(["a", "x"], lenient)).toEqual([{ n: 1 }, undefined]);
    expect(await adapter.ttl("x", lenient)).toEqual([undefined, undefined]);
    expect(await adapter.ttlMany(["x", "a"], lenient)).toEqual([
      [undefined, undefined],
      [{ n: 1 }, expect.any(Number)],
    ]);
  });

  it("names the store's default collection when a call names none", async () => {
    const error = await rejection(adapter.get("x"));
    expect(error).toMatchObject({ collection: "default_collection" });
    expect(await adapter.get("plain")).toEqual({ n: 0 });
  });

  it("uses its own default collection when given one", async () => {
    const inC = new RaiseOnMissingAdapter(store, { defaultCollection: "c" });
    expect(inC.defaultCollection).toBe("c");
    expect(await inC.get("a")).toEqual({ n: 1 });
    expect(await rejection(inC.get("plain"))).toMatchObject({ collection: "c", key: "plain" });
    expect(await inC.get("plain", { collection: "default_collection" })).toEqual({ n: 0 });
  });

  it("passes writes and deletes through, in the chosen collection", async () => {
    const inD = new RaiseOnMissingAdapter(store, { defaultCollection: "d" });
    await inD.put("k", { v: 1 }, { ttl: 60 });
    await inD.putMany([
      ["l", { v: 2 }],
      ["m", { v: 3 }],
    ]);
    expect(await store.getMany(["k", "l", "m"], { collection: "d" })).toEqual([
      { v: 1 },
      { v: 2 },
      { v: 3 },
    ]);
    expect((await inD.ttl("k"))[1]).toBeGreaterThan(50);
    expect(await inD.delete("k")).toBe(true);
    expect(await inD.deleteMany(["l", "m", "n"])).toBe(2);
    expect(await rejection(inD.get("k"))).toBeInstanceOf(MissingKeyError);
  });

  it("lets the store's own errors through", async () => {
    expect(await rejection(adapter.get(""))).toBeInstanceOf(InvalidKeyError);
    expect(await rejection(adapter.getMany(["a", ""]))).toBeInstanceOf(InvalidKeyError);
    expect(() => new RaiseOnMissingAdapter(store, { defaultCollection: "" })).toThrow(
      InvalidKeyError,
    );
  });
});

describe("RaiseOnMissingAdapter and expiry", () => {
  it("treats an expired entry as missing", async () => {
    const clock = new ManualClock();
    const adapter = new RaiseOnMissingAdapter(new MemoryStore({ clock }));
    await adapter.put("k", { v: 1 }, { ttl: 1 });
    expect(await adapter.get("k")).toEqual({ v: 1 });
    clock.advanceSeconds(2);
    expect(await rejection(adapter.get("k"))).toBeInstanceOf(MissingKeyError);
    expect(await rejection(adapter.ttlMany(["k"]))).toMatchObject({ keys: ["k"] });
  });
});

describe("MissingKeyError", () => {
  it("is branded, so isInstance recognises it across copies of the package", () => {
    const error = new MissingKeyError({ key: "k", collection: "c" });
    expect(MissingKeyError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect(MissingKeyError.isInstance(new KeyValueError())).toBe(false);
    expect(error.keys).toEqual(["k"]);
  });

  it("lists at most ten keys in its message, and all of them in keys", () => {
    const keys = Array.from({ length: 12 }, (_, index) => `k${index}`);
    const error = new MissingKeyError({ keys, collection: "c" });
    expect(error.key).toBe("k0");
    expect(error.keys).toEqual(keys);
    expect(error.message).toContain('"k9" and 2 more');
    expect(error.message).not.toContain('"k10"');
  });
});

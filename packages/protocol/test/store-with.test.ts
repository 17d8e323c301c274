import {
  ManualClock,
  type StoreClass,
  StoreClosedError,
  storeWith,
  supportsClose,
  supportsCollections,
  supportsCull,
  supportsDestroy,
  supportsDestroyCollection,
  supportsEntries,
  supportsKeys,
  supportsPutIfAbsent,
  supportsTouch,
  supportsVersions,
} from "@kv/protocol";
import { describe, expect, expectTypeOf, it } from "vitest";
import { CapableMapStore } from "./capable-map-store.ts";
import { VersionedMapStore } from "./versioned-map-store.ts";

describe("storeWith", () => {
  it("gives a store exactly the capabilities it names, at run time and in its type", () => {
    const store = new CapableMapStore();
    expect([
      supportsKeys(store),
      supportsDestroyCollection(store),
      supportsClose(store),
      supportsEntries(store),
    ]).toEqual([true, true, true, true]);
    expect([supportsCollections(store), supportsDestroy(store), supportsCull(store)]).toEqual([
      false,
      false,
      false,
    ]);
    expect("cull" in store).toBe(false);
    expectTypeOf(store.keys).toBeFunction();
    // @ts-expect-error a store without collection enumeration has no collections()
    expect(store.collections).toBeUndefined();
  });

  it("implements the public methods on the hooks: validation, default collection, limit", async () => {
    const store = new CapableMapStore();
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
      ["c", { n: 3 }],
    ]);
    await store.put("x", { n: 4 }, { collection: "other" });
    expect((await store.keys()).sort()).toEqual(["a", "b", "c"]);
    expect(await store.keys({ limit: 2 })).toHaveLength(2);
    expect(await store.keys({ collection: "other" })).toEqual(["x"]);
    await expect(store.keys({ collection: "" })).rejects.toThrow(/must not be empty/);
    expect(await store.destroyCollection("other")).toBe(true);
    expect(await store.get("x", { collection: "other" })).toBeUndefined();
  });

  it("closes once, and refuses every call after close with StoreClosedError", async () => {
    const store = new CapableMapStore();
    await store.put("a", { n: 1 });
    await store.close();
    await store.close();
    await store[Symbol.asyncDispose]();
    expect(store.released).toBe(1);
    await expect(store.get("a")).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.keys()).rejects.toBeInstanceOf(StoreClosedError);
    const error = await store.put("a", { n: 2 }).catch((thrown: unknown) => thrown);
    expect(StoreClosedError.isInstance(error) && error.transient).toBe(false);
  });

  it("shares one base class between stores that name the same capabilities, in any order", () => {
    expect(storeWith("entries", "close", "keys", "destroyCollection")).toBe(
      Object.getPrototypeOf(CapableMapStore),
    );
  });

  it("refuses an unknown capability, and a store missing a hook when it is made", () => {
    expect(() => storeWith("teleport" as "keys")).toThrow(/Unknown capability "teleport"/);
    const Base: StoreClass<"cull"> = storeWith("cull");
    // @ts-expect-error removeExpired() is not implemented
    class Forgetful extends Base {
      protected async getEntry() {
        return undefined;
      }
      protected async putEntry() {}
      protected async deleteEntry() {
        return false;
      }
    }
    expect(() => new Forgetful()).toThrow(
      /Forgetful offers "cull" but does not implement removeExpired\(\)/,
    );
  });
});

describe("the atomicEntry hook", () => {
  it("runs putIfAbsent, the versioned operations and touch on the one atomicEntry hook", async () => {
    const store = new VersionedMapStore({ clock: new ManualClock() });
    expect([supportsPutIfAbsent(store), supportsVersions(store), supportsTouch(store)]).toEqual([
      true,
      true,
      true,
    ]);
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(true);
    expect(await store.putIfAbsent("k", { n: 2 }, { collection: "c" })).toBe(false);
    const read = await store.getVersioned("k", { collection: "c" });
    expect(read?.value).toEqual({ n: 1 });
    expect(await store.putIfVersion("k", { n: 3 }, read?.version ?? "", { collection: "c" })).toBe(
      true,
    );
    expect(await store.putIfVersion("k", { n: 4 }, read?.version ?? "", { collection: "c" })).toBe(
      false,
    );
    expect(await store.touch("k", { collection: "c", ttl: 60 })).toBe(true);
    expect(await store.ttl("k", { collection: "c" })).toEqual([{ n: 3 }, 60]);
    const current = await store.getVersioned("k", { collection: "c" });
    expect(await store.deleteIfVersion("k", current?.version ?? "", { collection: "c" })).toBe(
      true,
    );
    expect(store.calls).toEqual([
      "insert c/k",
      "insert c/k",
      "readVersioned c/k",
      "replaceVersioned c/k 1",
      "replaceVersioned c/k 1",
      "touch c/k",
      "readVersioned c/k",
      "removeVersioned c/k 3",
    ]);
  });

  it("validates before the hook runs", async () => {
    const store = new VersionedMapStore();
    await expect(store.putIfAbsent("", { n: 1 })).rejects.toThrow(/key/);
    await expect(store.touch("k", { ttl: -1 })).rejects.toThrow(/TTL|ttl/);
    expect(store.calls).toEqual([]);
  });

  it("refuses a store without atomicEntry, in its type and when it is made", () => {
    const Base: StoreClass<"touch"> = storeWith("touch");
    // @ts-expect-error atomicEntry() is not implemented
    class Forgetful extends Base {
      protected async getEntry() {
        return undefined;
      }
      protected async putEntry() {}
      protected async deleteEntry() {
        return false;
      }
    }
    expect(() => new Forgetful()).toThrow(
      /Forgetful offers "touch" but does not implement atomicEntry\(\)/,
    );
  });
});

import { StoreError } from "@kv/protocol";
import { StorageQuotaError, WebStorageStore } from "@kv/web-storage";
import { afterEach, describe, expect, it } from "vitest";

afterEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});

/** A string larger than any browser's Web Storage quota (5–10 MB per origin). */
const overQuota = "x".repeat(12 * 1024 * 1024);

describe("WebStorageStore", () => {
  it("names items <namespace><collection>/<key>, escaping % and / in the collection", async () => {
    const store = new WebStorageStore({ storage: localStorage, namespace: "app:" });
    await store.put("a/b", { n: 1 }, { collection: "c/d%" });
    expect(Object.keys(localStorage)).toEqual(["app:c%2Fd%25/a/b"]);
    expect(await store.collections()).toEqual(["c/d%"]);
  });

  it("leaves items outside its namespace alone, even on destroy()", async () => {
    localStorage.setItem("theme", "dark");
    const store = new WebStorageStore({ storage: localStorage });
    await store.put("k", { n: 1 });
    expect(await store.destroy()).toBe(true);
    expect(Object.keys(localStorage)).toEqual(["theme"]);
  });

  it("turns the browser's QuotaExceededError into StorageQuotaError, a permanent StoreError", async () => {
    const store = new WebStorageStore({ storage: localStorage });
    const error = await store.put("big", { s: overQuota }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageQuotaError);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StorageQuotaError).transient).toBe(false);
    expect((error as StorageQuotaError).cause).toMatchObject({ name: "QuotaExceededError" });
  });

  it("puts back what a putMany had replaced when the quota stops it", async () => {
    const store = new WebStorageStore({ storage: sessionStorage });
    await store.put("a", { v: "old" });
    await expect(
      store.putMany([
        ["a", { v: "new" }],
        ["b", { v: "new" }],
        ["big", { s: overQuota }],
      ]),
    ).rejects.toThrow(StorageQuotaError);
    expect(await store.getMany(["a", "b", "big"])).toEqual([{ v: "old" }, undefined, undefined]);
  });

  it("reads an entry written by another store on the same storage", async () => {
    const writer = new WebStorageStore({ storage: localStorage });
    const reader = new WebStorageStore({ storage: localStorage });
    await writer.put("shared", { from: "writer" }, { ttl: 60 });
    expect(await reader.get("shared")).toEqual({ from: "writer" });
  });
});

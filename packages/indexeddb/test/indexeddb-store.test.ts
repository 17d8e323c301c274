import { IndexedDbStore } from "@kv/indexeddb";
import { ManualClock } from "@kv/protocol";
import { describe, expect, it } from "vitest";

let databases = 0;
const freshName = () => `kv-spec-${++databases}`;

describe("IndexedDbStore", () => {
  it("keeps entries across connections to the same database", async () => {
    const database = freshName();
    const writer = new IndexedDbStore({ database });
    await writer.put("k", { n: 1 }, { collection: "c" });
    await writer.close();
    const reader = new IndexedDbStore({ database });
    expect(await reader.get("k", { collection: "c" })).toEqual({ n: 1 });
    await reader.close();
  });

  it("writes a putMany in one transaction: all of it or nothing", async () => {
    const store = new IndexedDbStore({ database: freshName() });
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    expect(await store.getMany(["a", "b"])).toEqual([{ n: 1 }, { n: 2 }]);
    await store.close();
  });

  it("stores py-key-value's JSON document per entry, keyed by [collection, key]", async () => {
    const database = freshName();
    const store = new IndexedDbStore({ database });
    await store.put("k", { n: 1 }, { collection: "c" });
    await store.close();
    const opened = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(database);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const record = await new Promise<{ document: string }>((resolve, reject) => {
      const request = opened.transaction("entries").objectStore("entries").get(["c", "k"]);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    opened.close();
    expect(JSON.parse(record.document)).toMatchObject({
      value: { n: 1 },
      key: "k",
      collection: "c",
    });
  });

  it("removes expired entries on cull() through the expiry index, for good", async () => {
    const clock = new ManualClock(1_000_000);
    const store = new IndexedDbStore({ database: freshName(), clock });
    await store.put("short", { n: 1 }, { ttl: 1 });
    await store.put("long", { n: 2 }, { ttl: 100 });
    clock.advance(2_000);
    await store.cull();
    clock.advance(-2_000);
    expect(await store.getMany(["short", "long"])).toEqual([undefined, { n: 2 }]);
    await store.close();
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withoutCapabilities } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import {
  type KeyValue,
  ManualClock,
  StoreClosedError,
  StoreConfigurationError,
} from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import { kvDriver, UNSTORAGE_VALUE_FIELD } from "@kv/unstorage";
import { createStorage, type Storage } from "unstorage";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

const directory = mkdtempSync(join(tmpdir(), "kv-unstorage-driver-"));
let files = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const backends: [string, () => KeyValue][] = [
  ["MemoryStore", () => new MemoryStore()],
  ["SqliteStore", () => new SqliteStore({ path: join(directory, `db-${++files}.sqlite`) })],
];

for (const [name, open] of backends) {
  describe(`kvDriver over ${name}: unstorage's driver behaviours through createStorage`, () => {
    let store: KeyValue;
    let storage: Storage;
    beforeEach(async () => {
      store = open();
      storage = createStorage({ driver: kvDriver({ store, collection: "items" }) });
      return async () => {
        await storage.dispose();
      };
    });

    it("starts empty", async () => {
      expect(await storage.hasItem("s1:a")).toBe(false);
      expect(await storage.getItem("s1:a")).toBeNull();
      expect(await storage.getKeys()).toEqual([]);
    });

    it("sets, gets and has items, the query string dropped from keys", async () => {
      await storage.setItem("s1:a", "test_data");
      await storage.setItem("s3:a?q=1", "test_data");
      expect(await storage.hasItem("s1:a")).toBe(true);
      expect(await storage.getItem("s1:a")).toBe("test_data");
      expect(await storage.getItem("s3:a?q=2")).toBe("test_data");
    });

    it("round-trips objects, primitives, falsy values and values with toJSON", async () => {
      await storage.setItem("/data/test.json", { json: "works", n: [1, 2] });
      await storage.setItem("flag", true);
      await storage.setItem("zero", 0);
      await storage.setItem("off", false);
      await storage.setItem("lossy", { toJSON: () => "SERIALIZED" });
      expect(await storage.getItem("data:test.json")).toEqual({ json: "works", n: [1, 2] });
      expect(await storage.getItem("flag")).toBe(true);
      expect(await storage.getItem("zero")).toBe(0);
      expect(await storage.getItem("off")).toBe(false);
      expect(await storage.getItem("lossy")).toBe("SERIALIZED");
    });

    it("round-trips raw bytes (as unstorage's base64 text)", async () => {
      await storage.setItemRaw("data:raw.bin", new Uint8Array([1, 2, 3]));
      expect(
        Buffer.from((await storage.getItemRaw("data:raw.bin")) as Uint8Array).toString("hex"),
      ).toBe("010203");
    });

    it("sets and gets many items in one store call each", async () => {
      await storage.setItems<string | object>([
        { key: "t:1", value: "one" },
        { key: "t:2", value: { two: 2 } },
      ]);
      expect(await storage.getItems(["t:1", { key: "t:2" }, "t:3"])).toEqual([
        { key: "t:1", value: "one" },
        { key: "t:2", value: { two: 2 } },
        { key: "t:3", value: null },
      ]);
    });

    it("removes items", async () => {
      await storage.setItem("s1:a", "test_data");
      await storage.removeItem("s1:a");
      expect(await storage.hasItem("s1:a")).toBe(false);
      expect(await storage.getItem("s1:a")).toBeNull();
    });

    it("lists keys under a base and to a depth", async () => {
      for (const key of ["depth0_0", "depth0:depth1:depth2_0", "depth0:depth1_0", "other:x"]) {
        await storage.setItem(key, "v");
      }
      expect((await storage.getKeys()).sort()).toEqual([
        "depth0:depth1:depth2_0",
        "depth0:depth1_0",
        "depth0_0",
        "other:x",
      ]);
      expect((await storage.getKeys("depth0")).sort()).toEqual([
        "depth0:depth1:depth2_0",
        "depth0:depth1_0",
      ]);
      expect(await storage.getKeys("depth0/depth1:")).toEqual(["depth0:depth1:depth2_0"]);
      expect(await storage.getKeys(undefined, { maxDepth: 0 })).toEqual(["depth0_0"]);
      expect((await storage.getKeys(undefined, { maxDepth: 1 })).sort()).toEqual([
        "depth0:depth1_0",
        "depth0_0",
        "other:x",
      ]);
    });

    it("clears everything, and clears twice", async () => {
      await storage.setItem("a", "1");
      await storage.clear();
      await storage.clear();
      expect(await storage.getKeys()).toEqual([]);
    });

    it("keeps meta data beside an item and reports the TTL left", async () => {
      await storage.setItem("page", "<h1>", { ttl: 60 });
      await storage.setMeta("page", { etag: "x1" });
      const meta = await storage.getMeta("page");
      expect(meta.etag).toBe("x1");
      expect(meta.ttl).toBeGreaterThan(59);
      expect(meta.ttl).toBeLessThanOrEqual(60);
      expect(await storage.getKeys()).toEqual(["page"]);
    });
  });
}

describe("kvDriver: TTL", () => {
  it("expires an item after `ttl` seconds, from setItem, setItems or the driver's default", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const storage = createStorage({ driver: kvDriver({ store, ttl: 300 }) });
    await storage.setItem("short", "v", { ttl: 1.5 });
    await storage.setItems([{ key: "bulk", value: "v", options: { ttl: 10 } }], { ttl: 20 });
    await storage.setItems([{ key: "common", value: "v" }], { ttl: 20 });
    await storage.setItem("default", "v");
    expect((await store.ttl("short"))[1]).toBe(1.5);
    expect((await store.ttl("bulk"))[1]).toBe(10);
    expect((await store.ttl("common"))[1]).toBe(20);
    expect((await store.ttl("default"))[1]).toBe(300);

    clock.advance(1500);
    expect(await storage.getItem("short")).toBeNull();
    expect(await storage.hasItem("short")).toBe(false);
    clock.advance(300_000);
    expect(await storage.getKeys()).toEqual([]);
  });

  it("reads a ttl of 0 as 'never expires', as unstorage's drivers do", async () => {
    const store = new MemoryStore();
    await createStorage({ driver: kvDriver({ store }) }).setItem("k", "v", { ttl: 0 });
    expect((await store.ttl("k"))[1]).toBeUndefined();
  });
});

describe("kvDriver: keys, values and bases", () => {
  it("stores unstorage's normalized key as it is, in the collection given", async () => {
    const store = new MemoryStore();
    const storage = createStorage({ driver: kvDriver({ store, collection: "assets" }) });
    await storage.setItem("/images\\logo.png", "x");
    expect(await store.keys({ collection: "assets" })).toEqual(["images:logo.png"]);
  });

  it("stores an object as the object and any other text in { __unstorage_value__ }", async () => {
    const store = new MemoryStore();
    const storage = createStorage({ driver: kvDriver({ store }) });
    await storage.setItem("object", { name: "Ada", tags: ["x"] });
    await storage.setItem("text", "hello");
    await storage.setItem("number", 42);
    await storage.setItem("list", [1, 2]);
    await storage.setItem("look-alike", { [UNSTORAGE_VALUE_FIELD]: "x" });
    expect(await store.get("object")).toEqual({ name: "Ada", tags: ["x"] });
    expect(await store.get("text")).toEqual({ [UNSTORAGE_VALUE_FIELD]: "hello" });
    expect(await store.get("number")).toEqual({ [UNSTORAGE_VALUE_FIELD]: "42" });
    expect(await store.get("list")).toEqual({ [UNSTORAGE_VALUE_FIELD]: "[1,2]" });
    expect(await storage.getItem("look-alike")).toEqual({ [UNSTORAGE_VALUE_FIELD]: "x" });
    expect(await storage.getItem("number")).toBe(42);
  });

  it("gives back raw text byte for byte, even JSON written with other spacing", async () => {
    const storage = createStorage({ driver: kvDriver({ store: new MemoryStore() }) });
    for (const text of ['{"a": 1}', '{"a":1}', '{"n":12345678901234567890}', "{not json"]) {
      await storage.setItemRaw("k", text);
      expect(await storage.getItemRaw("k")).toBe(text);
    }
  });

  it("clears only a mount's items, and only a base's keys when the driver is asked for one", async () => {
    const store = new MemoryStore();
    const driver = kvDriver({ store, collection: "cache" });
    const storage = createStorage();
    storage.mount("cache", driver);
    await storage.setItem("cache:pages:home", "1");
    await storage.setItem("cache:pages:about", "2");
    await storage.setItem("cache:users:u1", "3");
    await storage.setItem("local", "4");
    await driver.clear?.("pages:", {});
    expect(await storage.getKeys("cache")).toEqual(["cache:users:u1"]);
    await storage.clear("cache");
    expect(await storage.getKeys()).toEqual(["local"]);
  });

  it("says StoreConfigurationError when listing needs keys the store cannot list", async () => {
    const store = withoutCapabilities(new MemoryStore(), "keys");
    const storage = createStorage({ driver: kvDriver({ store }) });
    await expect(storage.getKeys()).rejects.toSatisfy(StoreConfigurationError.isInstance);
  });

  it("closes the store on dispose", async () => {
    const store = new SqliteStore({ path: join(directory, "dispose.sqlite") });
    const storage = createStorage({ driver: kvDriver({ store }) });
    await storage.setItem("k", "v");
    await storage.dispose();
    await expect(store.get("k")).rejects.toSatisfy(StoreClosedError.isInstance);
  });
});

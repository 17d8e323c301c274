import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOffers } from "@kv/conformance";
import { ManualClock } from "@kv/protocol";
import { fromUnstorage } from "@kv/unstorage";
import { createStorage, type Driver, prefixStorage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { afterAll, describe, expect, it, vi } from "vitest";

const directory = mkdtempSync(join(tmpdir(), "kv-from-unstorage-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("fromUnstorage: layout", () => {
  it("keeps py-key-value's entry document under <collection>:@:<key>, names escaped", async () => {
    const storage = createStorage();
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
    const store = fromUnstorage(storage, { clock });
    await store.put("u/1", { name: "Ada" }, { collection: "users:eu", ttl: 60 });
    expect(await storage.getKeys()).toEqual(["users%3Aeu:@:u%2F1"]);
    expect(await storage.getItem("users%3Aeu:@:u%2F1")).toEqual({
      version: 1,
      collection: "users:eu",
      key: "u/1",
      value: { name: "Ada" },
      created_at: "2026-11-23T05:04:57.123000+00:00",
      expires_at: "2026-11-23T05:05:57.123000+00:00",
    });
  });

  it("cuts long names into segments a file system can hold, and reads them back", async () => {
    const base = join(directory, "long");
    const store = fromUnstorage(createStorage({ driver: fsDriver({ base }) }));
    const key = "🙂".repeat(300);
    await store.put(key, { long: true }, { collection: "c" });
    const segments = readdirSync(join(base, "c", "@"), { recursive: true }) as string[];
    for (const segment of segments.flatMap((path) => path.split("/"))) {
      expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(200);
    }
    expect(await store.keys({ collection: "c" })).toEqual([key]);
    expect(await store.get(key, { collection: "c" })).toEqual({ long: true });
  });

  it("writes the document as text a file holds as it is", async () => {
    const base = join(directory, "text");
    const store = fromUnstorage(createStorage({ driver: fsDriver({ base }) }));
    await store.put("k", { a: 1 }, { collection: "c" });
    expect(JSON.parse(readFileSync(join(base, "c", "@", "k"), "utf8")).value).toEqual({ a: 1 });
  });

  it("passes the TTL to the driver in whole seconds, rounded up", async () => {
    const memory = createStorage();
    const driver = memory.getMount("").driver as Driver;
    const setItem = vi.spyOn(driver, "setItem");
    await fromUnstorage(memory).put("k", { a: 1 }, { ttl: 1.2 });
    expect(setItem).toHaveBeenCalledWith("default_collection:@:k", expect.any(String), { ttl: 2 });
  });

  it("never returns an expired entry, though the driver keeps it", async () => {
    const clock = new ManualClock();
    const storage = createStorage();
    const store = fromUnstorage(storage, { clock });
    await store.put("k", { a: 1 }, { ttl: 1, collection: "c" });
    clock.advance(1000);
    expect(await store.get("k", { collection: "c" })).toBeUndefined();
    expect(await store.delete("k", { collection: "c" })).toBe(false);
  });

  it("destroys only the items of its layout, through a prefixed storage too", async () => {
    const storage = createStorage();
    await storage.setItem("app:settings", { theme: "dark" });
    await storage.setItem("kv:note", "not an entry");
    const store = fromUnstorage(prefixStorage(storage, "kv"));
    await store.put("u1", { a: 1 }, { collection: "users" });
    expect(await store.destroy()).toBe(true);
    expect((await storage.getKeys()).sort()).toEqual(["app:settings", "kv:note"]);
    expect(await store.destroy()).toBe(false);
  });

  it("offers listing, destroy and close, and no atomic operation", () => {
    expectOffers(fromUnstorage(createStorage()), {
      keys: true,
      collections: true,
      destroyCollection: true,
      destroy: true,
      close: true,
      cull: false,
      entries: false,
      putIfAbsent: false,
      versions: false,
      increment: false,
      touch: false,
    });
  });
});

import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { temporaryPaths } from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import { ManualClock } from "@kv/protocol";
import { describe, expect, it } from "vitest";

const freshDirectory = temporaryPaths("kv-disk-lru-");

/** The entry files below `directory`, as `<collection>/<key>` sorted by name. */
function storedKeys(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).replace(/\.json$/, ""))
    .sort();
}

/** Puts `{ key }` under each key, one after another. */
async function putEach(store: DiskStore, keys: readonly string[], collection?: string) {
  for (const key of keys) await store.put(key, { key }, { collection });
}

const defaults = (...keys: string[]) => keys.map((key) => `default_collection/${key}`);

describe("DiskStore with maxEntries", () => {
  it("removes the least recently written files beyond the limit, across collections", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory, maxEntries: 3 });
    await putEach(store, ["a", "b"]);
    await store.put("c", { key: "c" }, { collection: "other" });
    await putEach(store, ["d", "e"]);
    expect(storedKeys(directory)).toEqual([...defaults("d", "e"), "other/c"]);
    expect(await store.get("a")).toBeUndefined();
  });

  it("counts reads as uses: get, getMany, ttl and getVersioned refresh a file", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory, maxEntries: 4 });
    await putEach(store, ["a", "b", "c", "d"]);
    await store.get("a");
    await store.getMany(["b"]);
    await store.ttl("c");
    await putEach(store, ["e"]);
    expect(storedKeys(directory)).toEqual(defaults("a", "b", "c", "e"));
    await store.getVersioned("a");
    await putEach(store, ["f"]);
    expect(storedKeys(directory)).toEqual(defaults("a", "c", "e", "f"));
  });

  it("does not count a read of an expired entry as a use", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock();
    const store = new DiskStore({ directory, maxEntries: 2, clock });
    await store.put("old", { n: 1 }, { ttl: 10 });
    await store.put("b", { n: 2 });
    clock.advanceSeconds(11);
    expect(await store.get("old")).toBeUndefined();
    expect(await store.getVersioned("old")).toBeUndefined();
    await store.put("c", { n: 3 });
    expect(storedKeys(directory)).toEqual(defaults("b", "c"));
  });

  it("keeps the order across a restart: the times of the files record it", async () => {
    const directory = freshDirectory();
    const first = new DiskStore({ directory, maxEntries: 5 });
    await putEach(first, ["k1", "k2", "k3", "k4", "k5"]);
    await first.get("k1");
    await first.get("k3");
    const byTime = readdirSync(join(directory, "default_collection"))
      .sort((a, b) => {
        const at = statSync(join(directory, "default_collection", a), { bigint: true }).mtimeNs;
        const bt = statSync(join(directory, "default_collection", b), { bigint: true }).mtimeNs;
        return at < bt ? -1 : 1;
      })
      .map((name) => name.replace(/\.json$/, ""));
    expect(byTime).toEqual(["k2", "k4", "k5", "k1", "k3"]);

    const reopened = new DiskStore({ directory, maxEntries: 5 });
    await putEach(reopened, ["k6", "k7"]);
    expect(storedKeys(directory)).toEqual(defaults("k1", "k3", "k5", "k6", "k7"));
  });

  it("evicts down to a smaller limit when reopened with one", async () => {
    const directory = freshDirectory();
    await putEach(new DiskStore({ directory }), ["a", "b", "c", "d"]);
    const store = new DiskStore({ directory, maxEntries: 2 });
    expect(await store.get("d")).toEqual({ key: "d" });
    expect(storedKeys(directory)).toEqual(defaults("c", "d"));
  });

  it("frees room on delete, deleteMany and destroyCollection", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory, maxEntries: 3 });
    await putEach(store, ["a", "b"]);
    await store.put("x", { key: "x" }, { collection: "doomed" });
    await store.delete("a");
    await store.destroyCollection("doomed");
    await putEach(store, ["c", "d"]);
    expect(storedKeys(directory)).toEqual(defaults("b", "c", "d"));
    await store.deleteMany(["b", "c"]);
    await putEach(store, ["e", "f"]);
    expect(storedKeys(directory)).toEqual(defaults("d", "e", "f"));
  });

  it("counts files made by the atomic operations, and never exceeds the limit under concurrency", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory, maxEntries: 10, fsync: false });
    await Promise.all([
      ...Array.from({ length: 40 }, (_, index) => store.put(`p${index}`, { index })),
      ...Array.from({ length: 20 }, (_, index) => store.increment(`n${index}`)),
      store.putMany(Array.from({ length: 30 }, (_, index) => [`m${index}`, { index }])),
      ...Array.from({ length: 20 }, (_, index) => store.putIfAbsent(`i${index}`, { index })),
    ]);
    expect(storedKeys(directory)).toHaveLength(10);
    expect(await store.increment("last")).toBe(1);
    expect(storedKeys(directory)).toHaveLength(10);
    expect(storedKeys(directory)).toContain("default_collection/last");
  });

  it("counts files another instance wrote once it rescans (on cull, and every maxEntries writes)", async () => {
    const directory = freshDirectory();
    const mine = new DiskStore({ directory, maxEntries: 4 });
    await putEach(mine, ["a", "b"]);
    const other = new DiskStore({ directory, maxEntries: 100 });
    await putEach(other, ["x", "y", "z"]);
    expect(storedKeys(directory)).toHaveLength(5);
    await mine.cull();
    expect(storedKeys(directory)).toEqual(defaults("b", "x", "y", "z"));
    await putEach(other, ["v", "w"]);
    await putEach(mine, ["c", "d", "e", "f"]);
    expect(storedKeys(directory)).toEqual(defaults("c", "d", "e", "f"));
  });

  it("refuses a limit that is not a positive integer", () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new DiskStore({ directory: freshDirectory(), maxEntries })).toThrow(RangeError);
    }
  });
});

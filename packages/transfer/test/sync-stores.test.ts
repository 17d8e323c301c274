import { MemoryStore } from "@kv/memory";
import { MissingCapabilityError, syncStores, type TransferProgress } from "@kv/transfer";
import { describe, expect, it } from "vitest";
import { abortWhen, fill, KeysOnlyStore, memoryPair, numbered } from "./stores.ts";

/** Every key of a collection, sorted. */
async function keysOf(store: MemoryStore, collection: string): Promise<string[]> {
  return (await store.keys({ collection })).sort();
}

describe("syncStores", () => {
  it("copies every entry, then deletes the destination's keys the source does not have, counting keys of both phases", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 15);
    await destination.putMany(numbered(5, 20), { collection: "a" });
    await destination.put("k0003", { stale: true }, { collection: "a" });

    const seen: TransferProgress[] = [];
    const report = await syncStores(source, destination, {
      batchSize: 4,
      onProgress: (progress) => seen.push(progress),
    });

    expect(await keysOf(destination, "a")).toEqual(numbered(15).map(([key]) => key));
    expect(await destination.get("k0003", { collection: "a" })).toEqual({ n: 3 });
    expect(report).toMatchObject({ copied: 15, deleted: 5, aborted: false });
    expect(seen.at(-1)).toMatchObject({ phase: "delete", keys: 15 + 20, entries: 20 });
    expect(report.collections).toEqual([
      expect.objectContaining({ collection: "a", copied: 15, deleted: 5, complete: true }),
    ]);
  });

  it("empties a collection only the destination has, when no collections are named", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 2);
    await fill(destination, "orphan", 3);

    const report = await syncStores(source, destination);

    expect(await destination.collections()).toEqual(["a"]);
    expect(report.collections.map((c) => [c.collection, c.copied, c.deleted])).toEqual([
      ["a", 2, 0],
      ["orphan", 0, 3],
    ]);
  });

  it("touches only the collections named", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 2);
    await fill(destination, "a", 4);
    await fill(destination, "other", 3);

    await syncStores(source, destination, { collections: ["a"] });

    expect(await keysOf(destination, "a")).toEqual(["k0000", "k0001"]);
    expect(await keysOf(destination, "other")).toHaveLength(3);
  });

  it("keeps remaining TTLs like copyStore", async () => {
    const { source, destination } = memoryPair();
    await source.put("k", { a: 1 }, { ttl: 120 });

    await syncStores(source, destination);

    const [, ttl] = await destination.ttl("k");
    expect(ttl).toBeGreaterThan(119.8);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it("dryRun counts what would be copied and deleted and changes nothing", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 3);
    await destination.putMany(numbered(2, 10), { collection: "a" });

    const report = await syncStores(source, destination, { dryRun: true });

    expect(report).toMatchObject({ dryRun: true, copied: 3, deleted: 2 });
    expect(await keysOf(destination, "a")).toEqual(["k0010", "k0011"]);
  });

  it("stops after the current batch when the signal aborts, and lists the collections left", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 10);
    await fill(source, "b", 10);

    const report = await syncStores(source, destination, {
      batchSize: 5,
      ...abortWhen(({ collection, phase }) => collection === "b" && phase === "copy"),
    });

    expect(report).toMatchObject({ aborted: true, copied: 15 });
    expect(report.resume).toEqual({ collections: ["b"], after: {} });
    expect(report.collections.map((c) => c.complete)).toEqual([true, false]);
  });

  it("throws MissingCapabilityError when the destination cannot list keys", async () => {
    const source = new MemoryStore();
    await fill(source, "a", 1);

    await expect(syncStores(source, new KeysOnlyStore())).rejects.toSatisfy(
      (error) =>
        MissingCapabilityError.isInstance(error) &&
        error.role === "destination" &&
        error.capability === "collections" &&
        error.store === "KeysOnlyStore",
    );
    const report = await syncStores(source, new KeysOnlyStore(), { collections: ["a"] });
    expect(report.copied).toBe(1);
  });
});

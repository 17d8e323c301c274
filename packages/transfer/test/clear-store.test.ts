import { MemoryStore } from "@kv/memory";
import { clearStore, MissingCapabilityError, type TransferProgress } from "@kv/transfer";
import { describe, expect, it } from "vitest";
import { abortWhen, fill, PlainStore } from "./stores.ts";

describe("clearStore", () => {
  it("deletes every entry of every collection, counting them", async () => {
    const store = new MemoryStore();
    await fill(store, "a", 25);
    await fill(store, "b", 3);
    const seen: TransferProgress[] = [];

    const report = await clearStore(store, { batchSize: 10, onProgress: (p) => seen.push(p) });

    expect(await store.collections()).toEqual([]);
    expect(report).toMatchObject({ deleted: 28, copied: 0, aborted: false });
    expect(seen.map((p) => [p.phase, p.collection, p.deleted])).toEqual([
      ["delete", "a", 10],
      ["delete", "a", 20],
      ["delete", "a", 25],
      ["delete", "b", 28],
    ]);
  });

  it("clears only the collections named", async () => {
    const store = new MemoryStore();
    await fill(store, "a", 2);
    await fill(store, "b", 2);

    await clearStore(store, { collections: ["a"] });

    expect(await store.collections()).toEqual(["b"]);
  });

  it("dryRun counts and deletes nothing", async () => {
    const store = new MemoryStore();
    await fill(store, "a", 7);

    const report = await clearStore(store, { dryRun: true });

    expect(report).toMatchObject({ dryRun: true, deleted: 7 });
    expect(await store.keys({ collection: "a" })).toHaveLength(7);
  });

  it("stops after the current batch when the signal aborts", async () => {
    const store = new MemoryStore();
    await fill(store, "a", 30);

    const report = await clearStore(store, { batchSize: 10, ...abortWhen() });

    expect(report).toMatchObject({ aborted: true, deleted: 10 });
    expect(report.resume).toEqual({ collections: ["a"], after: {} });
    expect(await store.keys({ collection: "a" })).toHaveLength(20);
  });

  it("throws MissingCapabilityError when the store cannot list keys", async () => {
    await expect(clearStore(new PlainStore(), { collections: ["a"] })).rejects.toSatisfy(
      (error) =>
        MissingCapabilityError.isInstance(error) &&
        error.utility === "clearStore" &&
        error.role === "store" &&
        error.capability === "keys",
    );
  });
});

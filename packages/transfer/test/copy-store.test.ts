import { MemoryStore } from "@kv/memory";
import { InvalidTtlError, ManualClock, StoreConnectionError } from "@kv/protocol";
import {
  copyStore,
  MissingCapabilityError,
  ResumeKeyNotFoundError,
  type TransferProgress,
} from "@kv/transfer";
import { describe, expect, it } from "vitest";
import {
  abortWhen,
  fill,
  KeysOnlyStore,
  memoryPair,
  numbered,
  PlainStore,
  WithoutEntries,
} from "./stores.ts";

/** Every key and value of a collection, sorted by key. */
async function contents(store: MemoryStore, collection: string) {
  const keys = (await store.keys({ collection, limit: 1_000_000 })).sort();
  const values = await store.getMany(keys, { collection });
  return keys.map((key, index) => [key, values[index]]);
}

describe("copyStore", () => {
  it("copies every entry of every collection of the source", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "users", 25);
    await fill(source, "sessions", 3);

    const report = await copyStore(source, destination, { batchSize: 10 });

    expect(await contents(destination, "users")).toEqual(numbered(25));
    expect(await contents(destination, "sessions")).toEqual(numbered(3));
    expect(report).toMatchObject({ copied: 28, deleted: 0, expired: 0, aborted: false });
    expect(report.resume).toBeUndefined();
    expect(report.collections.map((c) => [c.collection, c.copied, c.complete])).toEqual([
      ["users", 25, true],
      ["sessions", 3, true],
    ]);
  });

  it("keeps each entry's remaining TTL, rounded down by at most ttlPrecisionMs", async () => {
    const { source, destination } = memoryPair();
    await source.put("short", { a: 1 }, { ttl: 30 });
    await source.put("long", { a: 2 }, { ttl: 3600.5 });
    await source.put("forever", { a: 3 });
    await new Promise((resolve) => setTimeout(resolve, 50));

    await copyStore(source, destination, { ttlPrecisionMs: 100 });

    for (const key of ["short", "long"]) {
      const [[value, copied], [, original]] = [await destination.ttl(key), await source.ttl(key)];
      expect(value).toEqual((await source.get(key)) as object);
      expect(copied).toBeLessThanOrEqual((original as number) + 0.005);
      expect(copied).toBeGreaterThan((original as number) - 0.15);
    }
    expect(await destination.ttl("forever")).toEqual([{ a: 3 }, undefined]);
  });

  it("with ttlPrecisionMs 0 keeps TTLs to the millisecond", async () => {
    const { source, destination } = memoryPair();
    for (const [key, value] of numbered(20)) {
      await source.put(key, value, { ttl: 10 + Math.random() });
    }

    await copyStore(source, destination, { ttlPrecisionMs: 0 });

    const keys = numbered(20).map(([key]) => key);
    const [originals, copies] = [await source.ttlMany(keys), await destination.ttlMany(keys)];
    for (const [index, [, copied]] of copies.entries()) {
      expect(Math.abs((copied as number) - (originals[index]?.[1] as number))).toBeLessThan(0.01);
    }
  });

  it('ttl: "drop" makes copies that never expire; a number or duration sets every TTL', async () => {
    const source = new MemoryStore();
    await fill(source, "c", 5, { ttl: 60 });

    const dropped = new MemoryStore();
    await copyStore(source, dropped, { ttl: "drop" });
    expect(
      (await dropped.ttlMany(["k0000", "k0004"], { collection: "c" })).map(([, t]) => t),
    ).toEqual([undefined, undefined]);

    const fixed = new MemoryStore();
    await copyStore(source, fixed, { ttl: "1h" });
    const [, ttl] = await fixed.ttl("k0003", { collection: "c" });
    expect(ttl).toBeGreaterThan(3599);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it("copies only the collections named, in their order", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 2);
    await fill(source, "b", 2);
    await fill(source, "c", 2);

    const report = await copyStore(source, destination, { collections: ["c", "a"] });

    expect((await destination.collections()).sort()).toEqual(["a", "c"]);
    expect(report.collections.map((c) => c.collection)).toEqual(["c", "a"]);
  });

  it("replaces destination entries with the same keys and leaves the others", async () => {
    const { source, destination } = memoryPair();
    await source.put("shared", { from: "source" });
    await destination.put("shared", { from: "destination" });
    await destination.put("own", { from: "destination" });

    await copyStore(source, destination);

    expect(await destination.get("shared")).toEqual({ from: "source" });
    expect(await destination.get("own")).toEqual({ from: "destination" });
  });

  it("reports progress after each batch: entries, bytes and rates so far", async () => {
    const source = new MemoryStore();
    await fill(source, "c", 25);
    const seen: TransferProgress[] = [];

    const report = await copyStore(source, new MemoryStore(), {
      batchSize: 10,
      onProgress: (progress) => seen.push(progress),
    });

    const bytesOf = (count: number) =>
      numbered(count).reduce((sum, [, value]) => sum + JSON.stringify(value).length, 0);
    expect(seen.map((p) => [p.phase, p.collection, p.entries, p.copied, p.lastKey])).toEqual([
      ["copy", "c", 10, 10, "k0009"],
      ["copy", "c", 20, 20, "k0019"],
      ["copy", "c", 25, 25, "k0024"],
    ]);
    expect(seen.map((p) => p.bytes)).toEqual([bytesOf(10), bytesOf(20), bytesOf(25)]);
    expect(report.bytes).toBe(bytesOf(25));
    for (const progress of seen) {
      expect(progress.elapsedMs).toBeGreaterThan(0);
      expect(progress.entriesPerSecond).toBeCloseTo((progress.entries * 1000) / progress.elapsedMs);
      expect(progress.bytesPerSecond).toBeCloseTo((progress.bytes * 1000) / progress.elapsedMs);
    }
  });

  it("stops after the current batch when the signal aborts, and resumes from the report", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 25);
    await fill(source, "b", 5);

    const first = await copyStore(source, destination, {
      batchSize: 10,
      ...abortWhen(({ entries }) => entries === 20),
    });

    expect(first).toMatchObject({ aborted: true, copied: 20 });
    expect(first.resume).toEqual({ collections: ["a", "b"], after: { a: "k0019" } });
    expect(first.collections).toEqual([
      expect.objectContaining({ lastKey: "k0019", complete: false }),
    ]);
    expect(await destination.keys({ collection: "b" })).toEqual([]);

    const second = await copyStore(source, destination, { batchSize: 10, ...first.resume });

    expect(second).toMatchObject({ aborted: false, copied: 10, skipped: 20 });
    expect(await contents(destination, "a")).toEqual(numbered(25));
    expect(await contents(destination, "b")).toEqual(numbered(5));
  });

  it("does nothing once the signal has aborted before the start", async () => {
    const source = new MemoryStore();
    await fill(source, "a", 5);
    const destination = new MemoryStore();

    const report = await copyStore(source, destination, { signal: AbortSignal.abort() });

    expect(report).toMatchObject({
      aborted: true,
      copied: 0,
      resume: { collections: ["a"], after: {} },
    });
    expect(await destination.collections()).toEqual([]);
  });

  it("after: skips the keys up to and including the resume key in enumeration order", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 10);

    const report = await copyStore(source, destination, { after: { a: "k0006" } });

    expect((await destination.keys({ collection: "a" })).sort()).toEqual([
      "k0007",
      "k0008",
      "k0009",
    ]);
    expect(report.collections[0]).toMatchObject({ skipped: 7, copied: 3, lastKey: "k0009" });
  });

  it("counts in progress.keys every key gone through, the skipped ones included", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 10);
    const seen: [number, number][] = [];

    await copyStore(source, destination, {
      batchSize: 4,
      after: { a: "k0001" },
      onProgress: ({ keys, copied }) => seen.push([keys, copied]),
    });

    expect(seen).toEqual([
      [6, 4],
      [10, 8],
    ]);
  });

  it("throws ResumeKeyNotFoundError, before writing anything, when the resume key is gone", async () => {
    const { source, destination } = memoryPair();
    await fill(source, "a", 10);

    const copying = copyStore(source, destination, { after: { a: "gone" } });

    await expect(copying).rejects.toSatisfy(
      (error) =>
        ResumeKeyNotFoundError.isInstance(error) &&
        error.collection === "a" &&
        error.key === "gone",
    );
    expect(await destination.collections()).toEqual([]);
  });

  it("dryRun reads and counts without writing", async () => {
    const source = new MemoryStore();
    await fill(source, "a", 12);
    const destination = new MemoryStore();

    const report = await copyStore(source, destination, { dryRun: true, batchSize: 5 });

    expect(report).toMatchObject({ dryRun: true, copied: 12, aborted: false });
    expect(report.bytes).toBeGreaterThan(0);
    expect(await destination.collections()).toEqual([]);
  });

  it("counts entries that expire during the copy as expired, and does not copy them", async () => {
    const clock = new ManualClock();
    const source = new MemoryStore({ clock });
    await fill(source, "a", 4, { ttl: 10 });
    await fill(source, "b", 3);
    // Time passes between listing a batch's keys and reading them.
    const slow = new WithoutEntries(source);
    slow.ttlMany = (keys, options) => {
      clock.advanceSeconds(11);
      return source.ttlMany(keys, options);
    };
    const destination = new MemoryStore();

    const report = await copyStore(slow, destination, { collections: ["a", "b"] });

    expect(report).toMatchObject({ copied: 3, expired: 4 });
    expect(await destination.collections()).toEqual(["b"]);
  });

  it("stops at the first failure of the source and throws its error unchanged", async () => {
    const source = new MemoryStore();
    await fill(source, "a", 30);
    const failing = new WithoutEntries(source);
    const failure = new StoreConnectionError({ operation: "ttlMany" });
    let reads = 0;
    failing.ttlMany = (keys, options) =>
      ++reads === 2 ? Promise.reject(failure) : source.ttlMany(keys, options);
    const destination = new MemoryStore();
    const seen: string[] = [];

    const copying = copyStore(failing, destination, {
      batchSize: 10,
      onProgress: ({ lastKey }) => seen.push(lastKey),
    });

    await expect(copying).rejects.toBe(failure);
    expect(seen).toEqual(["k0009"]);
    expect(await destination.keys({ collection: "a" })).toHaveLength(10);
  });

  it("stops at the first failure of the destination and throws its error unchanged", async () => {
    const source = new MemoryStore();
    await fill(source, "a", 30);
    const destination = new WithoutEntries(new MemoryStore());
    const failure = new StoreConnectionError({ operation: "putMany" });
    destination.putMany = () => Promise.reject(failure);

    await expect(copyStore(source, destination, { batchSize: 10 })).rejects.toBe(failure);
  });

  it("keeps createdAt and the exact expiry when both stores offer whole-entry access", async () => {
    const clock = new ManualClock();
    const source = new MemoryStore({ clock });
    await source.put("old", { a: 1 }, { ttl: 7200 });
    await source.put("forever", { a: 2 });
    clock.advanceSeconds(3600);
    const destination = new MemoryStore({ clock });

    const report = await copyStore(source, destination);

    expect(report.createdAtPreserved).toBe(true);
    expect(await destination.readEntries(["old", "forever"])).toEqual(
      await source.readEntries(["old", "forever"]),
    );
    expect(await destination.ttl("old")).toEqual([{ a: 1 }, 3600]);
  });

  it("without EntryAccess on both sides, createdAt becomes the time of the copy", async () => {
    const clock = new ManualClock();
    const source = new MemoryStore({ clock });
    await source.put("old", { a: 1 });
    clock.advanceSeconds(60);
    const destination = new MemoryStore({ clock });

    const report = await copyStore(new WithoutEntries(source), destination);

    expect(report.createdAtPreserved).toBe(false);
    const [copied] = await destination.readEntries(["old"]);
    expect(copied?.createdAt).toBe(clock.now());
  });

  it("throws MissingCapabilityError naming the capability and the store when the source cannot list keys", async () => {
    const copying = copyStore(new PlainStore(), new MemoryStore(), { collections: ["a"] });

    await expect(copying).rejects.toSatisfy(
      (error) =>
        MissingCapabilityError.isInstance(error) &&
        error.capability === "keys" &&
        error.store === "PlainStore" &&
        error.role === "source" &&
        error.utility === "copyStore" &&
        error.message.includes('copyStore needs the "keys" capability'),
    );
  });

  it("needs the source to list collections only when no collections are given", async () => {
    const source = new KeysOnlyStore();
    await fill(source, "a", 3);

    await expect(copyStore(source, new MemoryStore())).rejects.toSatisfy(
      (error) => MissingCapabilityError.isInstance(error) && error.capability === "collections",
    );
    const report = await copyStore(source, new MemoryStore(), { collections: ["a"] });
    expect(report.copied).toBe(3);
  });

  it("rejects bad options before anything is copied", async () => {
    const source = new MemoryStore();
    await fill(source, "a", 3);
    const destination = new MemoryStore();

    await expect(copyStore(source, destination, { batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(copyStore(source, destination, { batchSize: 1.5 })).rejects.toThrow(RangeError);
    await expect(copyStore(source, destination, { ttlPrecisionMs: -1 })).rejects.toThrow(
      RangeError,
    );
    await expect(copyStore(source, destination, { ttl: 0 })).rejects.toSatisfy(
      InvalidTtlError.isInstance,
    );
    await expect(
      copyStore(source, destination, { collections: ["a"], after: { b: "k0001" } }),
    ).rejects.toThrow(RangeError);
    expect(await destination.collections()).toEqual([]);
  });
});

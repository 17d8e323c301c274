import { ManualClock } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { MemoryBlobStore, MissingKeyError, supportsBlobTtl, supportsUrlFor } from "../src/index.ts";
import { collect } from "./collect.ts";

describe("MemoryBlobStore", () => {
  it("offers TTL and no URLs", () => {
    const store = new MemoryBlobStore();
    expect(supportsBlobTtl(store)).toBe(true);
    expect(supportsUrlFor(store)).toBe(false);
  });

  it("expires a blob when its TTL has passed on the store's clock", async () => {
    const clock = new ManualClock();
    const store = new MemoryBlobStore({ clock });
    await store.put("k", "v", { ttl: 10 });
    clock.advanceSeconds(9.999);
    expect(await store.has("k")).toBe(true);
    clock.advanceSeconds(0.001);
    await expect(store.get("k")).rejects.toSatisfy(MissingKeyError.isInstance);
    expect(await store.keys()).toEqual([]);
  });

  it("streams a large blob in chunks of 64 KiB", async () => {
    const store = new MemoryBlobStore();
    await store.put("k", new Uint8Array(200_000));
    const sizes = (await collect(await store.open("k"))).map((chunk: Buffer) => chunk.length);
    expect(sizes).toEqual([65_536, 65_536, 65_536, 3_392]);
  });

  it("holds nothing after close", async () => {
    const store = new MemoryBlobStore();
    await store.put("k", "v");
    await store.close();
    await expect(store.has("k")).rejects.toThrow(/closed/);
  });
});

import { NullStore } from "@kv/null";
import { InvalidTtlError, supportsKeys } from "@kv/protocol";
import { describe, expect, it } from "vitest";

describe("NullStore", () => {
  it("accepts writes and forgets them", async () => {
    const store = new NullStore();
    await store.put("k", { a: 1 }, { ttl: 10, collection: "c" });
    await store.putMany([["m", { b: 2 }]]);
    expect(await store.get("k", { collection: "c" })).toBeUndefined();
    expect(await store.getMany(["m", "k"])).toEqual([undefined, undefined]);
    expect(await store.ttlMany(["m"])).toEqual([[undefined, undefined]]);
    expect(await store.delete("k", { collection: "c" })).toBe(false);
    expect(await store.deleteMany(["m"])).toBe(0);
  });

  it("still refuses bad input like every store", async () => {
    await expect(new NullStore().put("k", { a: 1 }, { ttl: 0 })).rejects.toThrow(InvalidTtlError);
  });

  it("declares no optional capability", () => {
    expect(supportsKeys(new NullStore())).toBe(false);
  });
});

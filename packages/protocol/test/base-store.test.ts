import {
  BaseStore,
  type ManagedEntry,
  ManualClock,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

/** A store over a Map that records what BaseStore asks of it. */
class RecordingStore extends BaseStore {
  readonly data = new Map<string, ManagedEntry>();
  readonly calls: string[] = [];
  setups = 0;
  collectionSetups: string[] = [];
  failSetups = 0;
  failSetupWith: unknown;
  failWith: unknown;

  protected override async setup(): Promise<void> {
    this.setups += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.failSetupWith !== undefined) throw this.failSetupWith;
    if (this.failSetups > 0) {
      this.failSetups -= 1;
      throw new Error("table creation failed");
    }
  }

  protected override async setupCollection(collection: string): Promise<void> {
    this.collectionSetups.push(collection);
  }

  protected async getEntry(collection: string, key: string) {
    this.check();
    this.calls.push(`get ${key}`);
    return this.data.get(`${collection}/${key}`);
  }

  protected override async getEntries(collection: string, keys: readonly string[]) {
    this.calls.push(`getEntries ${keys.join(",")}`);
    return keys.map((key) => this.data.get(`${collection}/${key}`));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry) {
    this.check();
    this.data.set(`${collection}/${key}`, entry);
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ) {
    this.calls.push(`putEntries ${entries.map(([key]) => key).join(",")}`);
    for (const [key, entry] of entries) this.data.set(`${collection}/${key}`, entry);
  }

  protected async deleteEntry(collection: string, key: string) {
    return this.data.delete(`${collection}/${key}`);
  }

  protected override async deleteEntries(collection: string, keys: readonly string[]) {
    this.calls.push(`deleteEntries ${keys.join(",")}`);
    return keys.filter((key) => this.data.delete(`${collection}/${key}`)).length;
  }

  protected override mapError(error: unknown, context: Parameters<BaseStore["mapError"]>[1]) {
    if (error instanceof Error && error.message === "ECONNREFUSED") {
      return new StoreConnectionError({ ...context, cause: error });
    }
    return super.mapError(error, context);
  }

  private check(): void {
    if (this.failWith !== undefined) throw this.failWith;
  }
}

describe("BaseStore", () => {
  it("runs setup once for concurrent first calls, and each collection's setup once", async () => {
    const store = new RecordingStore();
    await Promise.all([
      store.get("a"),
      store.get("b", { collection: "users" }),
      store.put("c", { n: 1 }, { collection: "users" }),
    ]);
    await store.get("d", { collection: "users" });
    expect(store.setups).toBe(1);
    expect(store.collectionSetups.sort()).toEqual(["default_collection", "users"]);
  });

  it("reports a failed setup as StoreSetupError with the cause, and retries it on the next call", async () => {
    const store = new RecordingStore();
    store.failSetups = 1;
    const error = await store.get("a").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreSetupError);
    expect((error as Error).cause).toEqual(new Error("table creation failed"));
    expect(await store.get("a")).toBeUndefined();
    expect(store.setups).toBe(2);
  });

  it("reports an unreachable backend during setup as StoreConnectionError, not StoreSetupError", async () => {
    const store = new RecordingStore();
    store.failSetupWith = new Error("ECONNREFUSED");
    const error = await store.get("a").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as Error).message).toContain("operation: setup");
    store.failSetupWith = undefined;
    expect(await store.get("a")).toBeUndefined();
  });

  it("maps backend failures through mapError with the driver error as cause", async () => {
    const store = new RecordingStore();
    store.failWith = new Error("ECONNREFUSED");
    const refused = await store.get("k", { collection: "c" }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(StoreConnectionError);
    expect((refused as Error).message).toContain("collection: c");
    store.failWith = new RangeError("odd");
    const other = await store.put("k", { a: 1 }).catch((caught: unknown) => caught);
    expect(other).toBeInstanceOf(StoreError);
    expect((other as Error).cause).toBeInstanceOf(RangeError);
  });

  it("hands bulk hooks distinct keys and answers duplicates from them", async () => {
    const store = new RecordingStore();
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
      ["a", { n: 3 }],
    ]);
    expect(await store.getMany(["a", "b", "a", "a"])).toEqual([
      { n: 3 },
      { n: 2 },
      { n: 3 },
      { n: 3 },
    ]);
    expect(await store.deleteMany(["a", "a", "zz"])).toBe(1);
    expect(store.calls).toEqual(["putEntries b,a", "getEntries a,b", "deleteEntries a,zz"]);
  });

  it("filters expired entries by the store's clock", async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const store = new RecordingStore({ clock });
    await store.put("k", { n: 1 }, { ttl: 10 });
    expect(await store.ttl("k")).toEqual([{ n: 1 }, 10]);
    clock.advanceSeconds(9.5);
    expect(await store.ttl("k")).toEqual([{ n: 1 }, 0.5]);
    clock.advanceSeconds(0.5);
    expect(await store.get("k")).toBeUndefined();
    expect(await store.getMany(["k"])).toEqual([undefined]);
    expect(store.data.size).toBe(1);
  });

  it("writes entries with created_at and expires_at from the clock", async () => {
    const clock = new ManualClock(1_000_000);
    const store = new RecordingStore({ clock });
    await store.put("k", { n: 1 }, { ttl: 1.5, collection: "c" });
    expect(store.data.get("c/k")).toEqual({
      value: { n: 1 },
      createdAt: 1_000_000,
      expiresAt: 1_001_500,
    });
  });

  it("uses the default collection it was given", async () => {
    const store = new RecordingStore({ defaultCollection: "mine" });
    await store.put("k", { n: 1 });
    expect([...store.data.keys()]).toEqual(["mine/k"]);
    expect(() => new RecordingStore({ defaultCollection: "" })).toThrow(/must not be empty/);
  });
});

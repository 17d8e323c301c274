import { expectOffers } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { MirroringError, MirroringWrapper, type MirrorReport } from "@kv/mirroring";
import { NullStore } from "@kv/null";
import {
  BaseWrapper,
  type CollectionOptions,
  DeserializationError,
  InvalidKeyError,
  isTransientError,
  type KeyValue,
  type Operation,
  SerializationError,
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
  supports,
  supportsClose,
} from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import { describe, expect, it, vi } from "vitest";

/** A MemoryStore that fails every call (streams included) with `failure()` while `down`. */
class Switchable extends BaseWrapper {
  down = false;
  failure: (operation: Operation) => Error = (operation) =>
    new StoreConnectionError({ operation, cause: new Error("connect ECONNREFUSED") });

  constructor(store: KeyValue = new MemoryStore()) {
    super(store);
    const iterate = this.iterateKeys;
    this.iterateKeys = (options?: CollectionOptions) =>
      this.down ? this.failing("keys") : (iterate?.(options) ?? this.failing("keys"));
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    return this.down ? Promise.reject(this.failure(operation)) : call(this.store);
  }

  private async *failing(operation: Operation): AsyncGenerator<string> {
    yield* [];
    throw this.failure(operation);
  }
}

function mirrorOfTwo(options: ConstructorParameters<typeof MirroringWrapper>[1] = {}) {
  const first = new Switchable();
  const second = new Switchable();
  const reports: MirrorReport[] = [];
  const store = new MirroringWrapper([first, second], {
    report: (report) => void reports.push(report),
    ...options,
  });
  return { store, first, second, reports };
}

/** Two children, the second holding `a` and `b` in collection `c`, the first down. */
async function secondHoldingFirstDown() {
  const mirror = mirrorOfTwo();
  await mirror.second.putMany(
    [
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ],
    { collection: "c" },
  );
  mirror.first.down = true;
  return mirror;
}

describe("MirroringWrapper writes", () => {
  it("writes and deletes in every child", async () => {
    const { store, first, second } = mirrorOfTwo();
    await store.put("a", { n: 1 }, { collection: "c", ttl: 600 });
    await store.putMany(
      [
        ["b", { n: 2 }],
        ["c", { n: 3 }],
      ],
      { collection: "c" },
    );
    for (const child of [first, second]) {
      expect(await child.getMany(["a", "b", "c"], { collection: "c" })).toEqual([
        { n: 1 },
        { n: 2 },
        { n: 3 },
      ]);
      expect((await child.ttl("a", { collection: "c" }))[1]).toBeCloseTo(600, 0);
    }
    expect(await store.delete("a", { collection: "c" })).toBe(true);
    expect(await store.deleteMany(["b", "c", "x"], { collection: "c" })).toBe(2);
    for (const child of [first, second]) {
      expect(await child.getMany(["a", "b", "c"], { collection: "c" })).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  it("writes to the children concurrently, not one after the other", async () => {
    const { store, first, second } = mirrorOfTwo();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    vi.spyOn(first, "put").mockImplementation(() => held);
    const secondPut = vi.spyOn(second, "put");
    const writing = store.put("k", { n: 1 });
    await vi.waitFor(() => expect(secondPut).toHaveBeenCalledTimes(1));
    release();
    await writing;
  });

  it("says a delete removed something when any child removed it, and counts the most any child removed", async () => {
    const { store, first } = mirrorOfTwo();
    await first.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    expect(await store.delete("a")).toBe(true);
    expect(await store.deleteMany(["a", "b"])).toBe(1);
    expect(await store.delete("a")).toBe(false);
  });

  it("refuses bad input with its typed error before any child is called", async () => {
    const { store, first, second } = mirrorOfTwo();
    first.down = true;
    const calls = [vi.spyOn(first, "put"), vi.spyOn(second, "put"), vi.spyOn(second, "delete")];
    await expect(store.put("", { n: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(store.put("k", { n: 10n })).rejects.toThrow(SerializationError);
    await expect(store.delete("k", { collection: "" })).rejects.toThrow(InvalidKeyError);
    await expect(store.deleteMany(["k", ""])).rejects.toThrow(InvalidKeyError);
    for (const call of calls) expect(call).not.toHaveBeenCalled();
  });

  it("throws the error every child refused a call with, unchanged, when it is the caller's mistake", async () => {
    const { store, first, second } = mirrorOfTwo();
    for (const child of [first, second]) {
      child.down = true;
      child.failure = (operation) =>
        new InvalidKeyError({ operation, message: "Key too long for this backend" });
    }
    const error = await store.put("k", { n: 1 }).catch((caught: unknown) => caught);
    expect(InvalidKeyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("too long");
  });

  describe('onPartialFailure: "fail" (the default)', () => {
    it("rejects with MirroringError naming each failed child; the children that succeeded keep the write", async () => {
      const { store, first, second, reports } = mirrorOfTwo();
      second.down = true;
      const error = await store
        .put("k", { n: 1 }, { collection: "c" })
        .catch((caught: unknown) => caught);
      expect(MirroringError.isInstance(error)).toBe(true);
      expect(StoreError.isInstance(error)).toBe(true);
      const { failures, succeeded, operation, collection, cause } = error as MirroringError;
      expect([operation, collection, succeeded]).toEqual(["put", "c", 1]);
      expect(failures.map(({ index }) => index)).toEqual([1]);
      expect(StoreConnectionError.isInstance(failures[0]?.error)).toBe(true);
      expect(cause).toBe(failures[0]?.error);
      expect(await first.get("k", { collection: "c" })).toEqual({ n: 1 });
      expect(reports).toEqual([]);
    });

    it("makes the error transient only when every child's failure is", async () => {
      const { store, second } = mirrorOfTwo();
      second.down = true;
      expect(isTransientError(await store.put("k", { n: 1 }).catch((e: unknown) => e))).toBe(true);
      second.failure = (operation) => new StoreError({ operation, message: "disk full" });
      expect(isTransientError(await store.put("k", { n: 1 }).catch((e: unknown) => e))).toBe(false);
    });
  });

  describe('onPartialFailure: "report"', () => {
    it("resolves, and hands every failure to report", async () => {
      const { store, first, second, reports } = mirrorOfTwo({ onPartialFailure: "report" });
      await store.put("k", { n: 1 });
      first.down = true;
      expect(await store.delete("k", { collection: "default_collection" })).toBe(true);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        operation: "delete",
        collection: "default_collection",
        succeeded: 1,
      });
      expect(reports[0]?.failures.map(({ index }) => index)).toEqual([0]);
      expect(await second.get("k")).toBeUndefined();
    });

    it("fails the call with what report throws", async () => {
      const { store, second } = mirrorOfTwo({
        onPartialFailure: "report",
        report: () => {
          throw new Error("the alerting system is down");
        },
      });
      second.down = true;
      await expect(store.put("k", { n: 1 })).rejects.toThrow("the alerting system is down");
    });

    it("still rejects a write that failed on every child, with every child's error", async () => {
      const { store, first, second, reports } = mirrorOfTwo({ onPartialFailure: "report" });
      first.down = true;
      second.down = true;
      const error = await store.putMany([["k", { n: 1 }]]).catch((caught: unknown) => caught);
      expect(MirroringError.isInstance(error)).toBe(true);
      expect((error as MirroringError).failures.map(({ index }) => index)).toEqual([0, 1]);
      expect((error as MirroringError).succeeded).toBe(0);
      expect(isTransientError(error)).toBe(true);
      expect(reports).toEqual([]);
    });
  });
});

describe("MirroringWrapper reads", () => {
  it("are answered by the first child, and a miss there is an answer", async () => {
    const { store, first, second } = mirrorOfTwo();
    await first.put("k", { from: "first" });
    await second.put("k", { from: "second" });
    await second.put("only-second", { n: 1 });
    const secondGet = vi.spyOn(second, "get");
    expect(await store.get("k")).toEqual({ from: "first" });
    expect(await store.get("only-second")).toBeUndefined();
    expect(secondGet).not.toHaveBeenCalled();
  });

  it("pass over a child failing with a transient error or a StoreError, and report it", async () => {
    const { store, first, reports } = await secondHoldingFirstDown();
    expect(await store.getMany(["a", "b", "x"], { collection: "c" })).toEqual([
      { n: 1 },
      { n: 2 },
      undefined,
    ]);
    first.failure = (operation) => new StoreError({ operation, message: "internal error" });
    expect(await store.ttl("a", { collection: "c" })).toEqual([{ n: 1 }, undefined]);
    expect(
      reports.map(({ operation, collection, succeeded }) => [operation, collection, succeeded]),
    ).toEqual([
      ["getMany", "c", 1],
      ["ttl", "c", 1],
    ]);
    expect(reports.map(({ failures }) => failures[0]?.index)).toEqual([0, 0]);
  });

  it("do not pass over bad stored data or bad input", async () => {
    const { store, first, second } = mirrorOfTwo();
    first.down = true;
    first.failure = (operation) => new DeserializationError({ operation });
    const secondGet = vi.spyOn(second, "get");
    await expect(store.get("k")).rejects.toThrow(DeserializationError);
    expect(secondGet).not.toHaveBeenCalled();
  });

  it("fail with MirroringError holding every child's error when no child answers", async () => {
    const { store, first, second } = mirrorOfTwo();
    first.down = true;
    second.down = true;
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(MirroringError.isInstance(error)).toBe(true);
    expect((error as MirroringError).failures).toHaveLength(2);
    expect(isTransientError(error)).toBe(true);
  });

  it("stream keys from the first child that does not fail before its first key", async () => {
    const { store, reports } = await secondHoldingFirstDown();
    const keys: string[] = [];
    for await (const key of store.iterateKeys?.({ collection: "c" }) ?? []) keys.push(key);
    expect(keys.sort()).toEqual(["a", "b"]);
    expect((await store.keys?.({ collection: "c" }))?.sort()).toEqual(["a", "b"]);
    expect(reports.map(({ operation }) => operation)).toEqual(["keys", "keys"]);
  });
});

describe("MirroringWrapper capabilities", () => {
  it("offers enumeration and destruction only when every child offers them", () => {
    const full = new MirroringWrapper([new MemoryStore(), new MemoryStore()]);
    expectOffers(full, { keys: true, collections: true, destroy: true });
    const partial = new MirroringWrapper([new MemoryStore(), new NullStore()]);
    expectOffers(partial, { keys: false, collections: false, destroy: false });
  });

  it("never offers the atomic operations: a write to several stores cannot be atomic", () => {
    const full = new MirroringWrapper([new MemoryStore(), new MemoryStore()]);
    for (const capability of ["putIfAbsent", "versions", "increment", "touch"] as const) {
      expect(supports(full, capability), capability).toBe(false);
    }
  });

  it("offers cull and close when any child does, and applies them to those that can", async () => {
    const sqlite = new SqliteStore({ path: ":memory:" });
    const memory = new MemoryStore();
    const store = new MirroringWrapper([new NullStore(), memory, sqlite]);
    expectOffers(store, { cull: true, close: true });
    const culls = [vi.spyOn(memory, "cull"), vi.spyOn(sqlite, "cull")];
    await store.cull?.();
    for (const cull of culls) expect(cull).toHaveBeenCalledTimes(1);
    await store.close?.();
    await store.close?.();
    await expect(sqlite.get("k")).rejects.toThrow(StoreClosedError);
    expect(supportsClose(new MirroringWrapper([new MemoryStore()]))).toBe(false);
  });

  it("refuses every call after close() with StoreClosedError, even for children that cannot close", async () => {
    const memory = new MemoryStore();
    const store = new MirroringWrapper([memory, new SqliteStore({ path: ":memory:" })]);
    await store.close?.();
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(StoreClosedError.isInstance(error)).toBe(true);
    expect(isTransientError(error)).toBe(false);
    await expect(store.put("k", { n: 1 })).rejects.toThrow(StoreClosedError);
    await expect(store.keys?.()).rejects.toThrow(StoreClosedError);
    await expect(store.repair()).rejects.toThrow(StoreClosedError);
    expect(await memory.get("k")).toBeUndefined();
  });
});

describe("MirroringWrapper.repair()", () => {
  it("copies the entries each child lacks from the others, keeping their remaining TTL, and counts them", async () => {
    const children = [new MemoryStore(), new MemoryStore(), new MemoryStore()];
    const [a, b, c] = children as [MemoryStore, MemoryStore, MemoryStore];
    await a.putMany(
      [
        ["k1", { n: 1 }],
        ["k2", { n: 2 }],
        ["k3", { n: 3 }],
      ],
      { collection: "x" },
    );
    await b.put("k4", { n: 4 }, { collection: "x", ttl: 300 });
    await c.put("k1", { n: 1 }, { collection: "x" });
    await b.put("y1", { n: 5 }, { collection: "y" });
    const store = new MirroringWrapper(children);

    const result = await store.repair({ batchSize: 2 });

    expect(result).toEqual({ collections: 2, checked: 13, copied: 9, copiedTo: [2, 3, 4] });
    for (const child of children) {
      expect((await child.keys({ collection: "x" })).sort()).toEqual(["k1", "k2", "k3", "k4"]);
      expect(await child.get("y1", { collection: "y" })).toEqual({ n: 5 });
      const [value, ttl] = await child.ttl("k4", { collection: "x" });
      expect(value).toEqual({ n: 4 });
      expect(ttl).toBeGreaterThan(299);
      expect(ttl).toBeLessThanOrEqual(300);
      expect((await child.ttl("k2", { collection: "x" }))[1]).toBeUndefined();
    }
    expect(await store.repair()).toEqual({
      collections: 2,
      checked: 15,
      copied: 0,
      copiedTo: [0, 0, 0],
    });
  });

  it("leaves entries present in every child alone, even when their values differ", async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    await a.put("k", { v: "a" });
    await b.put("k", { v: "b" });
    const result = await new MirroringWrapper([a, b]).repair();
    expect(result.copied).toBe(0);
    expect([await a.get("k"), await b.get("k")]).toEqual([{ v: "a" }, { v: "b" }]);
  });

  it("repairs only the collections named", async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    await a.put("k", { n: 1 }, { collection: "x" });
    await a.put("k", { n: 1 }, { collection: "y" });
    const result = await new MirroringWrapper([a, b]).repair({ collections: ["y"] });
    expect(result).toMatchObject({ collections: 1, copied: 1 });
    expect(await b.collections()).toEqual(["y"]);
  });

  it("needs every child to enumerate keys, and collections unless they are named", async () => {
    const withoutKeys = new MirroringWrapper([new MemoryStore(), new NullStore()]);
    await expect(withoutKeys.repair({ collections: ["c"] })).rejects.toThrow(
      StoreConfigurationError,
    );
    const keysOnly = Object.assign(new NullStore(), { keys: vi.fn(), iterateKeys: vi.fn() });
    const withoutCollections = new MirroringWrapper([new MemoryStore(), keysOnly]);
    await expect(withoutCollections.repair()).rejects.toThrow(StoreConfigurationError);
    await expect(
      new MirroringWrapper([new MemoryStore()]).repair({ batchSize: 0 }),
    ).rejects.toThrow(RangeError);
  });
});

describe("MirroringWrapper options", () => {
  const store = new MemoryStore();

  it("refuses options that cannot work with StoreConfigurationError", () => {
    expect(() => new MirroringWrapper([])).toThrow(StoreConfigurationError);
    expect(() => new MirroringWrapper([store, store])).toThrow(StoreConfigurationError);
    expect(() => new MirroringWrapper([store], { onPartialFailure: "ignore" as "fail" })).toThrow(
      StoreConfigurationError,
    );
    expect(() => new MirroringWrapper([store], { onPartialFailure: "report" })).toThrow(
      StoreConfigurationError,
    );
  });

  it("refuses what is not a store or not a function with TypeError", () => {
    expect(() => new MirroringWrapper([store, {} as KeyValue])).toThrow(TypeError);
    expect(() => new MirroringWrapper([store], { report: "log" as unknown as () => void })).toThrow(
      TypeError,
    );
  });
});

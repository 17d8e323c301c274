import { MemoryStore } from "@kv/memory";
import {
  type ChangeEvent,
  type DeleteEvent,
  HandlerError,
  NotifyingWrapper,
  type NotifyingWrapperOptions,
  type PutEvent,
} from "@kv/notifying";
import {
  BaseWrapper,
  type ConditionalVersions,
  capabilityNames,
  type Incrementable,
  InvalidKeyError,
  type KeyValue,
  type PutIfAbsent,
  StoreConnectionError,
  supports,
} from "@kv/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";

function setup(options: NotifyingWrapperOptions = {}, inner: KeyValue = new MemoryStore()) {
  const puts: PutEvent[] = [];
  const deletes: DeleteEvent[] = [];
  const changes: ChangeEvent[] = [];
  const errors: HandlerError[] = [];
  const store = new NotifyingWrapper(inner, {
    onPut: (event) => puts.push(event),
    onDelete: (event) => deletes.push(event),
    onChange: (event) => changes.push(event),
    onHandlerError: (error) => errors.push(error),
    ...options,
  });
  return { inner, store, puts, deletes, changes, errors };
}

/** Fails every call with `StoreConnectionError`. */
class DownStore extends BaseWrapper {
  protected override invoke<T>(): Promise<T> {
    return Promise.reject(new StoreConnectionError({ message: "down" }));
  }
}

/** A MemoryStore that can also be closed. */
class ClosableStore extends BaseWrapper {
  constructor() {
    super(new MemoryStore());
    this.close = async () => {};
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("NotifyingWrapper", () => {
  it("calls onPut and onChange after a put, with the collection, key and TTL", async () => {
    const { store, puts, changes } = setup();
    await store.put("u1", { name: "Ada" }, { collection: "users", ttl: "1m" });
    const expected = { type: "put", operation: "put", collection: "users", keys: ["u1"], ttl: 60 };
    expect(puts).toEqual([expected]);
    expect(changes).toEqual([expected]);
  });

  it("names the default collection when the call names none, and ttl undefined without expiry", async () => {
    const { store, puts } = setup();
    await store.put("k", { v: 1 });
    expect(puts[0]).toMatchObject({ collection: "default_collection", ttl: undefined });
  });

  it("notifies a bulk call once, with all its keys in order", async () => {
    const { store, puts, deletes, changes } = setup();
    await store.putMany(
      [
        ["a", { v: 1 }],
        ["b", { v: 2 }],
      ],
      { collection: "c" },
    );
    await store.deleteMany(["a", "missing"], { collection: "c" });
    expect(puts).toEqual([
      { type: "put", operation: "putMany", collection: "c", keys: ["a", "b"], ttl: undefined },
    ]);
    expect(deletes).toEqual([
      {
        type: "delete",
        operation: "deleteMany",
        collection: "c",
        keys: ["a", "missing"],
        deleted: 1,
      },
    ]);
    expect(changes.map(({ operation }) => operation)).toEqual(["putMany", "deleteMany"]);
  });

  it("calls onDelete after every delete, saying how many keys existed", async () => {
    const { store, deletes } = setup();
    await store.put("k", { v: 1 });
    await store.delete("k");
    await store.delete("k");
    expect(deletes.map(({ keys, deleted }) => [keys, deleted])).toEqual([
      [["k"], 1],
      [["k"], 0],
    ]);
  });

  it("leaves values out unless includeValues, then gives the values as written", async () => {
    const plain = setup();
    await plain.store.put("k", { secret: 1 });
    expect(plain.puts[0]).not.toHaveProperty("values");
    const { store, puts } = setup({ includeValues: true });
    const value = { v: 1 };
    await store.put("k", value);
    await store.putMany([
      ["a", { v: 2 }],
      ["b", { v: 3 }],
    ]);
    expect(puts[0]?.values?.[0]).toBe(value);
    expect(puts[1]?.values).toEqual([{ v: 2 }, { v: 3 }]);
  });

  it("notifies nothing for a bulk call with no keys", async () => {
    const { store, changes } = setup();
    await store.putMany([]);
    await store.deleteMany([]);
    expect(changes).toEqual([]);
  });

  it("notifies nothing for reads, listings or close", async () => {
    const { store, changes } = setup({}, new ClosableStore());
    await store.get("k");
    await store.getMany(["k"]);
    await store.ttl("k");
    await store.ttlMany(["k"]);
    await store.keys?.();
    await store.close?.();
    expect(changes).toEqual([]);
  });

  it("notifies only after the write succeeded: never for a refused or failed call", async () => {
    const { store, changes } = setup();
    await expect(store.put("", { v: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(store.putMany([["k", { v: 1n }]])).rejects.toThrow();
    const down = setup({}, new DownStore(new MemoryStore()));
    await expect(down.store.put("k", { v: 1 })).rejects.toThrow(StoreConnectionError);
    await expect(down.store.delete("k")).rejects.toThrow(StoreConnectionError);
    await expect(down.store.destroy?.()).rejects.toThrow(StoreConnectionError);
    expect([...changes, ...down.changes]).toEqual([]);
  });

  it("sees the change in the store when a handler runs", async () => {
    const inner = new MemoryStore();
    const seen: unknown[] = [];
    const store = new NotifyingWrapper(inner, {
      onPut: async ({ keys }) => seen.push(await inner.get(keys[0] as string)),
    });
    await store.put("k", { v: 1 });
    await tick();
    expect(seen).toEqual([{ v: 1 }]);
  });

  it("notifies destroyCollection, destroy and cull through onChange only", async () => {
    const { store, puts, deletes, changes } = setup();
    await store.put("k", { v: 1 }, { collection: "c" });
    changes.length = 0;
    puts.length = 0;
    await store.destroyCollection?.("c");
    await store.destroyCollection?.("c");
    await store.cull?.();
    await store.destroy?.();
    expect(changes).toEqual([
      { type: "destroyCollection", operation: "destroyCollection", collection: "c", removed: true },
      {
        type: "destroyCollection",
        operation: "destroyCollection",
        collection: "c",
        removed: false,
      },
      { type: "cull", operation: "cull" },
      { type: "destroy", operation: "destroy", removed: false },
    ]);
    expect([...puts, ...deletes]).toEqual([]);
  });

  it("returns what the inner store returns", async () => {
    const { store } = setup();
    await store.put("k", { v: 1 }, { collection: "c" });
    expect(await store.delete("k", { collection: "c" })).toBe(true);
    expect(await store.deleteMany(["k", "x"])).toBe(0);
    await store.put("k", { v: 1 }, { collection: "c" });
    expect(await store.destroyCollection?.("c")).toBe(true);
  });

  it("reports a handler that throws as HandlerError, and keeps the write and the call's result", async () => {
    const failure = new Error("webhook down");
    const { store, inner, errors, changes } = setup({
      onPut: () => {
        throw failure;
      },
    });
    await store.put("k", { v: 1 }, { collection: "c" });
    expect(await inner.get("k", { collection: "c" })).toEqual({ v: 1 });
    expect(changes).toHaveLength(1);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(HandlerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: "HANDLER_FAILED",
      handler: "onPut",
      operation: "put",
      collection: "c",
      cause: failure,
      transient: false,
      event: { type: "put", keys: ["k"] },
    });
  });

  it("reports an async handler that rejects, without waiting for it", async () => {
    let release: () => void = () => {};
    const { store, errors } = setup({
      onDelete: () =>
        new Promise<void>((_, reject) => {
          release = () => reject(new Error("late failure"));
        }),
    });
    expect(await store.delete("k")).toBe(false);
    expect(errors).toEqual([]);
    release();
    await tick();
    expect(errors.map((error) => [error.handler, (error.cause as Error).message])).toEqual([
      ["onDelete", "late failure"],
    ]);
  });

  it("waits for async handlers with awaitHandlers, and still never fails the call", async () => {
    const finished: string[] = [];
    const { store, errors } = setup({
      awaitHandlers: true,
      onPut: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished.push("onPut");
      },
      onChange: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new Error("audit log down");
      },
    });
    await store.put("k", { v: 1 });
    expect(finished).toEqual(["onPut"]);
    expect(errors.map((error) => error.handler)).toEqual(["onChange"]);
  });

  it("runs onPut or onDelete before onChange, before the call resolves", async () => {
    const order: string[] = [];
    const store = new NotifyingWrapper(new MemoryStore(), {
      onDelete: () => order.push("onDelete"),
      onChange: () => order.push("onChange"),
    });
    await store.delete("k");
    order.push("resolved");
    expect(order).toEqual(["onDelete", "onChange", "resolved"]);
  });

  it("hands handlers a frozen event", async () => {
    const { store, puts } = setup();
    await store.put("k", { v: 1 });
    expect(Object.isFrozen(puts[0])).toBe(true);
    expect(Object.isFrozen(puts[0]?.keys)).toBe(true);
  });

  it("copies the caller's key list, so reusing it later changes no event", async () => {
    const { store, deletes } = setup();
    const keys = ["a", "b"];
    await store.deleteMany(keys);
    keys.push("c");
    expect(deletes[0]?.keys).toEqual(["a", "b"]);
  });

  it("prints a handler's failure with console.error by default", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const store = new NotifyingWrapper(new MemoryStore(), {
      onChange: () => {
        throw new Error("boom");
      },
    });
    await store.put("k", { v: 1 });
    expect(printed).toHaveBeenCalledTimes(1);
    const [error] = printed.mock.calls[0] ?? [];
    expect(HandlerError.isInstance(error)).toBe(true);
  });

  it("prints both errors when onHandlerError itself throws", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const store = new NotifyingWrapper(new MemoryStore(), {
      onPut: () => {
        throw new Error("handler");
      },
      onHandlerError: () => {
        throw new Error("reporter");
      },
    });
    await store.put("k", { v: 1 });
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.map((error) => (error as Error).message)).toEqual([
      expect.stringContaining("onPut handler failed"),
      "reporter",
    ]);
  });

  it("keeps whole-entry access: writeEntries notifies as a put, readEntries notifies nothing", async () => {
    const { store, puts, changes } = setup({ includeValues: true });
    expect(supports(store, "entries")).toBe(true);
    const entry = { value: { v: 1 }, createdAt: Date.now() - 1000, expiresAt: undefined };
    await store.writeEntries?.([["a", entry]], { collection: "c" });
    await store.writeEntries?.([]);
    expect(await store.readEntries?.(["a"], { collection: "c" })).toEqual([entry]);
    expect(puts).toEqual([
      {
        type: "put",
        operation: "writeEntries",
        collection: "c",
        keys: ["a"],
        values: [{ v: 1 }],
        ttl: undefined,
      },
    ]);
    expect(changes).toEqual(puts);
  });

  it("notifies the atomic operations that changed something, and only those", async () => {
    const { store, puts, deletes } = setup({ includeValues: true });
    const atomic = store as typeof store & PutIfAbsent & ConditionalVersions & Incrementable;
    expect(await atomic.putIfAbsent("lock", { owner: 1 }, { ttl: 10 })).toBe(true);
    expect(await atomic.putIfAbsent("lock", { owner: 2 })).toBe(false);
    expect(await atomic.increment("hits", { by: 2 })).toBe(2);
    const read = await atomic.getVersioned("lock");
    expect(await atomic.putIfVersion("lock", { owner: 3 }, "stale")).toBe(false);
    expect(await atomic.deleteIfVersion("lock", read?.version ?? "")).toBe(true);
    const collection = "default_collection";
    expect(puts).toEqual([
      {
        type: "put",
        operation: "putIfAbsent",
        collection,
        keys: ["lock"],
        values: [{ owner: 1 }],
        ttl: 10,
      },
      {
        type: "put",
        operation: "increment",
        collection,
        keys: ["hits"],
        values: [{ count: 2 }],
        ttl: undefined,
      },
    ]);
    expect(deletes).toEqual([
      { type: "delete", operation: "deleteIfVersion", collection, keys: ["lock"], deleted: 1 },
    ]);
  });

  it("has exactly the capabilities of the inner store", () => {
    const memory = setup().store;
    const offered = (store: KeyValue) => capabilityNames.filter((c) => supports(store, c));
    expect(offered(memory)).toEqual(capabilityNames.filter((c) => c !== "close"));
    expect(supports(setup({}, new ClosableStore()).store, "close")).toBe(true);
  });

  it("checks its options when it is made", () => {
    const memory = new MemoryStore();
    const notAFunction = "log" as unknown as () => void;
    expect(() => new NotifyingWrapper(memory, { onPut: notAFunction })).toThrow(TypeError);
    expect(() => new NotifyingWrapper(memory, { onHandlerError: notAFunction })).toThrow(
      /onHandlerError must be a function/,
    );
    expect(() => new NotifyingWrapper(memory, { awaitHandlers: 1 as unknown as boolean })).toThrow(
      TypeError,
    );
    expect(() => new NotifyingWrapper(memory)).not.toThrow();
  });
});

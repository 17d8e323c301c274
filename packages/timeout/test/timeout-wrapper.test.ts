import { MemoryStore } from "@kv/memory";
import { NullStore } from "@kv/null";
import {
  BaseWrapper,
  type CollectionOptions,
  capabilityNames,
  InvalidKeyError,
  isTransientError,
  type KeyValue,
  KeyValueError,
  type Operation,
  StoreConnectionError,
  StoreError,
  supports,
} from "@kv/protocol";
import { type RetryEvent, RetryWrapper } from "@kv/retry";
import { TimeoutError, TimeoutWrapper } from "@kv/timeout";
import { afterEach, describe, expect, it, vi } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A memory store that answers each call `delayMs` late (per operation with `delays`), or fails
 * it with `failWith` once the delay is over. Streams yield each key `delayMs` late.
 */
class SlowStore extends BaseWrapper {
  delayMs: number;
  delays: Partial<Record<Operation, number>> = {};
  failWith: unknown;
  readonly finished: Operation[] = [];

  constructor(delayMs: number, inner: KeyValue = new MemoryStore()) {
    super(inner);
    this.delayMs = delayMs;
    const keys = this.iterateKeys;
    if (keys !== undefined) {
      this.iterateKeys = async function* slowKeys(this: SlowStore, options?: CollectionOptions) {
        for await (const key of keys(options)) {
          await sleep(this.delayMs);
          yield key;
        }
      }.bind(this);
    }
  }

  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    await sleep(this.delays[operation] ?? this.delayMs);
    if (this.failWith !== undefined) throw this.failWith;
    const result = await call(this.store);
    this.finished.push(operation);
    return result;
  }
}

/** A slow store that can be closed. */
class ClosableStore extends SlowStore {
  closed = false;
  override close = async (): Promise<void> => {
    await this.invoke("close", async () => {
      this.closed = true;
    });
  };
}

/** Runs `call` and returns what it threw. */
async function thrown(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

afterEach(() => {
  vi.useRealTimers();
});

describe("TimeoutWrapper", () => {
  it("fails a call slower than timeoutMs with TimeoutError naming the operation and the deadline", async () => {
    const store = new TimeoutWrapper(new SlowStore(500), { timeoutMs: 30 });
    const started = Date.now();
    const error = await thrown(() => store.get("k", { collection: "users" }));
    expect(Date.now() - started).toBeLessThan(400);
    expect(TimeoutError.isInstance(error)).toBe(true);
    if (!TimeoutError.isInstance(error)) return;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.name).toBe("TimeoutError");
    expect(error.code).toBe("TIMEOUT");
    expect(error.operation).toBe("get");
    expect(error.collection).toBe("users");
    expect(error.timeoutMs).toBe(30);
    expect(error.message).toBe(
      "No answer from the store within 30 ms (operation: get, collection: users)",
    );
  });

  it("is transient: a StoreConnectionError that isTransientError accepts", () => {
    const error = new TimeoutError({ operation: "put", timeoutMs: 5 });
    expect(error.transient).toBe(true);
    expect(isTransientError(error)).toBe(true);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
  });

  it("answers a call within the deadline unchanged", async () => {
    const store = new TimeoutWrapper(new SlowStore(5), { timeoutMs: 2_000 });
    await store.put("k", { v: 1 }, { collection: "c", ttl: 60 });
    expect(await store.get("k", { collection: "c" })).toEqual({ v: 1 });
    const [value, ttl] = await store.ttl("k", { collection: "c" });
    expect(value).toEqual({ v: 1 });
    expect(ttl).toBeGreaterThan(58);
  });

  it("applies the deadline to every operation and capability", async () => {
    const store = new TimeoutWrapper(new SlowStore(400), { timeoutMs: 20 });
    const calls: [Operation, () => Promise<unknown>][] = [
      ["get", () => store.get("k")],
      ["getMany", () => store.getMany(["k"])],
      ["ttl", () => store.ttl("k")],
      ["ttlMany", () => store.ttlMany(["k"])],
      ["put", () => store.put("k", { v: 1 })],
      ["putMany", () => store.putMany([["k", { v: 1 }]])],
      ["delete", () => store.delete("k")],
      ["deleteMany", () => store.deleteMany(["k"])],
      ["keys", async () => store.keys?.()],
      ["collections", async () => store.collections?.()],
      ["destroyCollection", async () => store.destroyCollection?.("c")],
      ["destroy", async () => store.destroy?.()],
      ["cull", async () => store.cull?.()],
    ];
    const errors = await Promise.all(calls.map(([, call]) => thrown(call)));
    expect(
      errors.map((error) => (TimeoutError.isInstance(error) ? error.operation : error)),
    ).toEqual(calls.map(([operation]) => operation));
  });

  it("takes the deadline of one operation from operationTimeoutMs", async () => {
    const slow = new SlowStore(150);
    const store = new TimeoutWrapper(slow, {
      timeoutMs: 20,
      operationTimeoutMs: { put: 2_000, getMany: Number.POSITIVE_INFINITY, get: undefined },
    });
    await store.put("k", { v: 1 });
    expect(await store.getMany(["k"])).toEqual([{ v: 1 }]);
    const error = await thrown(() => store.get("k"));
    expect(TimeoutError.isInstance(error) && error.timeoutMs).toBe(20);
  });

  it("sets no timer for an operation whose deadline is Infinity", async () => {
    vi.useFakeTimers();
    const store = new TimeoutWrapper(new MemoryStore(), {
      timeoutMs: Number.POSITIVE_INFINITY,
      operationTimeoutMs: { put: 1_000 },
    });
    const pending = store.get("k");
    expect(vi.getTimerCount()).toBe(0);
    await pending;
    await store.put("k", { v: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its timer as soon as the call answers", async () => {
    vi.useFakeTimers();
    const store = new TimeoutWrapper(new MemoryStore(), { timeoutMs: 60_000 });
    await store.put("k", { v: 1 });
    expect(await store.get("k")).toEqual({ v: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the inner store's own errors through unchanged", async () => {
    const failure = new StoreConnectionError({ message: "ECONNREFUSED" });
    const slow = new SlowStore(1);
    slow.failWith = failure;
    const store = new TimeoutWrapper(slow, { timeoutMs: 1_000 });
    expect(await thrown(() => store.get("k"))).toBe(failure);
    slow.failWith = undefined;
    const bad = await thrown(() => store.get(""));
    expect(InvalidKeyError.isInstance(bad)).toBe(true);
  });

  it("drops the late error of a timed-out call: no unhandled rejection", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const slow = new SlowStore(80);
      slow.failWith = new StoreError({ message: "late failure" });
      const store = new TimeoutWrapper(slow, { timeoutMs: 10 });
      const error = await thrown(() => store.get("k"));
      expect(TimeoutError.isInstance(error)).toBe(true);
      await sleep(200);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("cannot cancel the inner call: a timed-out write may still be applied", async () => {
    const memory = new MemoryStore();
    const slow = new SlowStore(80, memory);
    const store = new TimeoutWrapper(slow, { timeoutMs: 10 });
    const error = await thrown(() => store.put("k", { v: 1 }));
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(await memory.get("k")).toBeUndefined();
    await sleep(200);
    expect(slow.finished).toEqual(["put"]);
    expect(await memory.get("k")).toEqual({ v: 1 });
  });

  it("gives each item of a stream the deadline of its operation", async () => {
    const memory = new MemoryStore();
    await memory.putMany([
      ["a", { v: 1 }],
      ["b", { v: 2 }],
    ]);
    const slow = new SlowStore(100, memory);
    const patient = new TimeoutWrapper(slow, {
      timeoutMs: 20,
      operationTimeoutMs: { keys: 1_000 },
    });
    const keys: string[] = [];
    for await (const key of patient.iterateKeys?.() ?? []) keys.push(key);
    expect(keys.sort()).toEqual(["a", "b"]);

    const hasty = new TimeoutWrapper(slow, { timeoutMs: 20 });
    const error = await thrown(async () => {
      for await (const _ of hasty.iterateKeys?.({ collection: "default_collection" }) ?? []) {
        // consumes the stream
      }
    });
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(TimeoutError.isInstance(error) && [error.operation, error.collection]).toEqual([
      "keys",
      "default_collection",
    ]);
  });

  it("retried by RetryWrapper's default: a timed-out attempt is repeated", async () => {
    const slow = new SlowStore(0);
    slow.delays.get = 300;
    const events: RetryEvent[] = [];
    const store = new RetryWrapper(new TimeoutWrapper(slow, { timeoutMs: 30 }), {
      initialDelayMs: 1,
      onRetry: (event) => {
        events.push(event);
        slow.delays.get = 0;
      },
    });
    await store.put("k", { v: 1 });
    expect(await store.get("k")).toEqual({ v: 1 });
    expect(events).toHaveLength(1);
    expect(TimeoutError.isInstance(events[0]?.error)).toBe(true);
    expect(events[0]?.operation).toBe("get");
  });

  it("offers exactly the capabilities of the inner store, each with its deadline", async () => {
    const bare = new TimeoutWrapper(new NullStore());
    const memory = new MemoryStore();
    const around = new TimeoutWrapper(memory);
    for (const capability of capabilityNames) {
      expect(supports(around, capability)).toBe(supports(memory, capability));
      expect(supports(bare, capability)).toBe(false);
    }
    expect(supports(around, "keys")).toBe(true);
    const closable = new ClosableStore(0);
    const store = new TimeoutWrapper(closable, { operationTimeoutMs: { close: 20 } });
    expect(supports(store, "close")).toBe(true);
    closable.delayMs = 300;
    const error = await thrown(async () => store.close?.());
    expect(TimeoutError.isInstance(error) && error.operation).toBe("close");
    await sleep(400);
    expect(closable.closed).toBe(true);
  });

  it("refuses deadlines that cannot work", () => {
    const memory = new MemoryStore();
    for (const timeoutMs of [0, -1, Number.NaN, 2 ** 31, "100" as unknown as number]) {
      expect(() => new TimeoutWrapper(memory, { timeoutMs })).toThrow(RangeError);
      expect(() => new TimeoutWrapper(memory, { operationTimeoutMs: { get: timeoutMs } })).toThrow(
        /operationTimeoutMs\.get must be a number of milliseconds/,
      );
    }
    expect(
      () =>
        new TimeoutWrapper(memory, {
          operationTimeoutMs: { gett: 10 } as unknown as { get: number },
        }),
    ).toThrow(TypeError);
    expect(() => new TimeoutWrapper(memory, { timeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });
});

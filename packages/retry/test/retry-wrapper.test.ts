import { withoutCapabilities } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  capabilityNames,
  defineError,
  InvalidKeyError,
  InvalidTtlError,
  type KeyValue,
  type Operation,
  SerializationError,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  storeWith,
  supports,
  supportsIncrement,
  supportsPutIfAbsent,
  supportsTouch,
  type Value,
} from "@kv/protocol";
import { type RetryEvent, RetryWrapper } from "@kv/retry";
import { afterEach, describe, expect, it, vi } from "vitest";

/** A store that fails its next `failures` calls with the error `makeError` builds. */
class FlakyStore extends BaseWrapper {
  calls = 0;
  failures: number;
  private readonly makeError: (operation: Operation) => unknown;

  constructor(
    failures: number,
    makeError: (operation: Operation) => unknown = (operation) =>
      new StoreConnectionError({ operation, cause: new Error("connect ECONNREFUSED") }),
  ) {
    super(new MemoryStore());
    this.failures = failures;
    this.makeError = makeError;
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(this.makeError(operation));
    }
    return call(this.store);
  }
}

/** A store with none of the optional capabilities. */
class BareStore extends BaseWrapper {}

/** A store that keeps nothing and can be closed: after `close()` it throws `StoreClosedError`. */
class ClosableStore extends storeWith("close") {
  protected async getEntry() {
    return undefined;
  }
  protected async putEntry() {}
  protected async deleteEntry() {
    return false;
  }
  protected async release() {}
}

/** A transient error that is not a StoreConnectionError. */
const Busy = defineError({ name: "Busy", code: "BUSY", message: "busy", transient: true });

const fast = { initialDelayMs: 1, maxDelayMs: 2 };

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("RetryWrapper", () => {
  it("retries StoreConnectionError until the store answers", async () => {
    const flaky = new FlakyStore(2);
    const events: RetryEvent[] = [];
    const store = new RetryWrapper(flaky, { ...fast, onRetry: (event) => events.push(event) });

    await store.put("k", { n: 1 });

    expect(flaky.calls).toBe(3);
    expect(await store.get("k")).toEqual({ n: 1 });
    expect(events.map(({ operation, attempt }) => [operation, attempt])).toEqual([
      ["put", 1],
      ["put", 2],
    ]);
    expect(StoreConnectionError.isInstance(events[0]?.error)).toBe(true);
  });

  it("retries StoreConnectionError up to maxRetries, then throws the last error with the attempt count", async () => {
    let made = 0;
    const flaky = new FlakyStore(100, (operation) => {
      made++;
      return new StoreConnectionError({ operation, message: `refused #${made}` });
    });
    const store = new RetryWrapper(flaky, { ...fast, maxRetries: 4 });

    const error = await store.get("k").catch((caught: unknown) => caught);

    expect(flaky.calls).toBe(5);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as Error).message).toContain("refused #5");
    expect((error as { attempts?: number }).attempts).toBe(5);
  });

  it("makes exactly one call when maxRetries is 0", async () => {
    const flaky = new FlakyStore(1);
    const store = new RetryWrapper(flaky, { maxRetries: 0 });
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(flaky.calls).toBe(1);
    expect((error as { attempts?: number }).attempts).toBe(1);
  });

  it("never retries InvalidKeyError, InvalidTtlError or SerializationError, even when retryOn says yes", async () => {
    const counted = new FlakyStore(0);
    const store = new RetryWrapper(counted, { ...fast, retryOn: () => true });
    const loose = store as unknown as {
      put(key: unknown, value: unknown, options?: unknown): Promise<void>;
    };

    await expect(loose.put("", { a: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(loose.put("k", { a: 1 }, { ttl: -1 })).rejects.toThrow(InvalidTtlError);
    await expect(loose.put("k", { big: 1n })).rejects.toThrow(SerializationError);
    await expect(store.get("k", { collection: "" })).rejects.toThrow(InvalidKeyError);

    expect(counted.calls).toBe(4);
  });

  it("does not retry a StoreError that is not a connection failure by default", async () => {
    const flaky = new FlakyStore(1, () => new StoreError({ message: "WRONGTYPE" }));
    const store = new RetryWrapper(flaky, fast);
    await expect(store.get("k")).rejects.toThrow("WRONGTYPE");
    expect(flaky.calls).toBe(1);
  });

  it("never retries StoreClosedError, by default or when retryOn says yes", async () => {
    const closed = new ClosableStore();
    await closed.close();
    const events: RetryEvent[] = [];
    const store = new RetryWrapper(closed, { ...fast, onRetry: (event) => events.push(event) });
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(StoreClosedError.isInstance(error)).toBe(true);
    expect((error as { attempts?: number }).attempts).toBe(1);
    expect(events).toEqual([]);

    const flaky = new FlakyStore(5, (operation) => new StoreClosedError({ operation }));
    const always = new RetryWrapper(flaky, { ...fast, retryOn: () => true });
    await expect(always.put("k", { n: 1 })).rejects.toThrow(StoreClosedError);
    expect(flaky.calls).toBe(1);
  });

  it("retries any transient KeyValueError by default, not only StoreConnectionError", async () => {
    const flaky = new FlakyStore(2, () => new Busy());
    const store = new RetryWrapper(flaky, fast);
    await store.put("k", { n: 1 });
    expect(flaky.calls).toBe(3);
  });

  it("retries whatever retryOn calls transient", async () => {
    const busy = new Error("BUSY");
    const flaky = new FlakyStore(2, () => busy);
    const store = new RetryWrapper(flaky, {
      ...fast,
      retryOn: (error) => error instanceof Error && error.message === "BUSY",
    });
    await store.put("k", { n: 1 });
    expect(flaky.calls).toBe(3);

    const refused = new FlakyStore(1);
    const onlyBusy = new RetryWrapper(refused, { ...fast, retryOn: (error) => error === busy });
    await expect(onlyBusy.get("k")).rejects.toThrow(StoreConnectionError);
    expect(refused.calls).toBe(1);
  });

  it("retries bulk calls and capability calls as a whole", async () => {
    const flaky = new FlakyStore(0);
    const store = new RetryWrapper(flaky, fast);
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);
    flaky.failures = 1;
    flaky.calls = 0;
    expect(await store.getMany(["a", "b", "c"])).toEqual([{ n: 1 }, { n: 2 }, undefined]);
    expect(flaky.calls).toBe(2);

    flaky.failures = 2;
    flaky.calls = 0;
    expect(supports(store, "keys")).toBe(true);
    if (supports(store, "keys")) expect((await store.keys()).sort()).toEqual(["a", "b"]);
    expect(flaky.calls).toBe(3);
  });

  it("never repeats a call that may do more when run twice: increment and the conditional writes", async () => {
    const flaky = new FlakyStore(0);
    const store = new RetryWrapper(flaky, fast);
    expect(supportsIncrement(store) && supportsPutIfAbsent(store)).toBe(true);
    if (!supportsIncrement(store) || !supportsPutIfAbsent(store)) return;
    for (const call of [
      () => store.increment("hits"),
      () => store.putIfAbsent("lock", { owner: 1 }),
    ]) {
      flaky.failures = 1;
      flaky.calls = 0;
      const error = await call().catch((caught: unknown) => caught);
      expect(StoreConnectionError.isInstance(error)).toBe(true);
      expect(flaky.calls).toBe(1);
    }
    flaky.calls = 0;
    flaky.failures = 1;
    if (supportsTouch(store)) expect(await store.touch("lock", { ttl: 10 })).toBe(false);
    expect(flaky.calls).toBe(2);
  });

  it("waits a random time up to an exponentially growing cap (full jitter)", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const delays: number[] = [];
    const store = new RetryWrapper(new FlakyStore(100), {
      maxRetries: 5,
      initialDelayMs: 100,
      maxDelayMs: 1000,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });

    const outcome = store.get("k").catch((caught: unknown) => caught);
    await vi.runAllTimersAsync();

    expect(StoreConnectionError.isInstance(await outcome)).toBe(true);
    expect(delays).toEqual([50, 100, 200, 400, 500]);
  });

  it("starts no attempt past deadlineMs, even with retries left", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const flaky = new FlakyStore(1000);
    const store = new RetryWrapper(flaky, {
      maxRetries: 50,
      initialDelayMs: 100,
      maxDelayMs: 100,
      deadlineMs: 350,
    });

    const outcome = store.get("k").catch((caught: unknown) => caught);
    await vi.runAllTimersAsync();
    const error = await outcome;

    // attempts start at 0, 99, 198 and 297 ms; the next would start at 396 ms
    expect(flaky.calls).toBe(4);
    expect((error as { attempts?: number }).attempts).toBe(4);
  });

  it("ignores an onRetry hook that throws", async () => {
    const flaky = new FlakyStore(1);
    const store = new RetryWrapper(flaky, {
      ...fast,
      onRetry: () => {
        throw new Error("hook failed");
      },
    });
    expect(await store.get("k")).toBeUndefined();
    expect(flaky.calls).toBe(2);
  });

  it("offers exactly the capabilities of the inner store", () => {
    const full = new RetryWrapper(new MemoryStore());
    const bare = new RetryWrapper(
      new BareStore(withoutCapabilities(new MemoryStore(), ...capabilityNames)),
    );
    for (const capability of [
      "keys",
      "collections",
      "destroyCollection",
      "destroy",
      "cull",
    ] as const) {
      expect(supports(full, capability)).toBe(true);
      expect(supports(bare, capability)).toBe(false);
    }
    expect(supports(full, "close")).toBe(false);
    expect(supports(bare, "close")).toBe(false);
  });

  it("refuses negative or non-numeric options", () => {
    const store = new MemoryStore();
    expect(() => new RetryWrapper(store, { maxRetries: -1 })).toThrow(RangeError);
    expect(() => new RetryWrapper(store, { initialDelayMs: Number.NaN })).toThrow(RangeError);
  });

  it("passes values through unchanged", async () => {
    const store = new RetryWrapper(new MemoryStore());
    const value: Value = { nested: { list: [1, "two", null] } };
    await store.put("k", value, { collection: "c", ttl: 60 });
    const [read, ttl] = await store.ttl("k", { collection: "c" });
    expect(read).toEqual(value);
    expect(ttl).toBeGreaterThan(59);
  });
});

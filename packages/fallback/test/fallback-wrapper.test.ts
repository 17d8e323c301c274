import { expectOffers } from "@kv/conformance";
import { FallbackWrapper } from "@kv/fallback";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  defineError,
  InvalidKeyError,
  type KeyValue,
  ManualClock,
  type Operation,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  storeWith,
  supports,
  supportsClose,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

/** A primary that can be taken down: while `down`, every call fails with `failure()`. */
class SwitchableStore extends BaseWrapper {
  down = false;
  calls = 0;
  failure: (operation: Operation) => unknown = (operation) =>
    new StoreConnectionError({ operation, cause: new Error("connect ECONNREFUSED") });

  constructor(store: KeyValue = new MemoryStore()) {
    super(store);
    const iterateKeys = this.iterateKeys;
    if (iterateKeys !== undefined) {
      this.iterateKeys = (options) => this.stream("keys", () => iterateKeys(options));
    }
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    this.calls++;
    return this.down ? Promise.reject(this.failure(operation)) : call(this.store);
  }

  private async *stream(
    operation: Operation,
    open: () => AsyncIterable<string>,
  ): AsyncGenerator<string> {
    this.calls++;
    if (this.down) throw this.failure(operation);
    yield* open();
  }
}

/** A store with a `close()` that records being closed. */
class ClosableStore extends BaseWrapper {
  closed = false;
  constructor() {
    super(new MemoryStore());
    this.close = async () => {
      this.closed = true;
    };
  }
}

/** A store that keeps nothing and can be closed: after `close()` it throws `StoreClosedError`. */
class ClosingStore extends storeWith("keys", "close") {
  protected async getEntry() {
    return undefined;
  }
  protected async putEntry() {}
  protected async deleteEntry() {
    return false;
  }
  protected async *enumerateKeys(): AsyncIterable<string> {}
  protected async release() {}
}

/** A transient error that is not a StoreConnectionError. */
const Busy = defineError({ name: "Busy", code: "BUSY", message: "busy", transient: true });

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const items: string[] = [];
  for await (const item of source) items.push(item);
  return items;
}

async function setUp(options: ConstructorParameters<typeof FallbackWrapper>[2] = {}) {
  const primary = new SwitchableStore();
  const fallback = new MemoryStore();
  const clock = new ManualClock(0);
  const store = new FallbackWrapper(primary, fallback, { clock, ...options });
  await primary.put("k", { from: "primary" }, { collection: "c" });
  await fallback.put("k", { from: "fallback" }, { collection: "c" });
  primary.calls = 0;
  return { primary, fallback, clock, store };
}

describe("FallbackWrapper", () => {
  it("answers from the primary while it is up, without touching the fallback", async () => {
    const { store, fallback } = await setUp();
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "primary" });
    await store.put("new", { n: 1 }, { collection: "c" });
    expect(await fallback.get("new", { collection: "c" })).toBeUndefined();
    expect(store.circuitState).toBe("closed");
  });

  it("reads from the fallback when the primary fails with StoreConnectionError", async () => {
    const { store, primary } = await setUp({ failureThreshold: 100 });
    primary.down = true;
    const collection = "c";
    expect(await store.get("k", { collection })).toEqual({ from: "fallback" });
    expect(await store.getMany(["k", "x"], { collection })).toEqual([
      { from: "fallback" },
      undefined,
    ]);
    expect(await store.ttl("k", { collection })).toEqual([{ from: "fallback" }, undefined]);
    expect(await store.ttlMany(["k"], { collection })).toEqual([[{ from: "fallback" }, undefined]]);
    if (!supports(store, "keys")) throw new Error("keys expected");
    expect(await store.keys({ collection })).toEqual(["k"]);
    expect(await collect(store.iterateKeys({ collection }))).toEqual(["k"]);
  });

  it("fails writes while the primary is down, unless writeToFallback is set", async () => {
    const refusing = await setUp({ failureThreshold: 100 });
    refusing.primary.down = true;
    await expect(refusing.store.put("w", { n: 1 }, { collection: "c" })).rejects.toThrow(
      StoreConnectionError,
    );
    await expect(refusing.store.delete("k", { collection: "c" })).rejects.toThrow(
      StoreConnectionError,
    );
    expect(await refusing.fallback.getMany(["w", "k"], { collection: "c" })).toEqual([
      undefined,
      { from: "fallback" },
    ]);

    const writing = await setUp({ failureThreshold: 100, writeToFallback: true });
    writing.primary.down = true;
    await writing.store.put("w", { n: 1 }, { collection: "c" });
    expect(await writing.store.delete("k", { collection: "c" })).toBe(true);
    expect(await writing.fallback.getMany(["w", "k"], { collection: "c" })).toEqual([
      { n: 1 },
      undefined,
    ]);
  });

  it("never falls back on bad input, nor on a StoreError that is not a connection failure", async () => {
    const primary = new SwitchableStore();
    const fallback = new SwitchableStore();
    const anything = new FallbackWrapper(primary, fallback, { fallbackOn: () => true });
    await expect(anything.get("", { collection: "c" })).rejects.toThrow(InvalidKeyError);
    await expect(anything.put("k", { n: 1 }, { ttl: -1 })).rejects.toThrow("TTL");
    expect([primary.calls, fallback.calls]).toEqual([2, 0]);

    const store = new FallbackWrapper(primary, fallback);
    primary.down = true;
    primary.failure = () => new StoreError({ message: "WRONGTYPE" });
    await expect(store.get("k", { collection: "c" })).rejects.toThrow("WRONGTYPE");
    expect(fallback.calls).toBe(0);
  });

  it("never sends a StoreClosedError to the fallback, by default or when fallbackOn says yes", async () => {
    const closed = new ClosingStore();
    await closed.close();
    const fallback = new SwitchableStore();
    const store = new FallbackWrapper(closed, fallback, { writeToFallback: true });
    await expect(store.get("k")).rejects.toThrow(StoreClosedError);
    await expect(store.put("k", { n: 1 })).rejects.toThrow(StoreClosedError);
    if (!supports(store, "keys")) throw new Error("keys expected");
    await expect(collect(store.iterateKeys())).rejects.toThrow(StoreClosedError);
    expect(fallback.calls).toBe(0);
    expect(store.circuitState).toBe("closed");

    const primary = new SwitchableStore();
    primary.down = true;
    primary.failure = (operation) => new StoreClosedError({ operation });
    const anything = new FallbackWrapper(primary, fallback, { fallbackOn: () => true });
    await expect(anything.get("k")).rejects.toThrow(StoreClosedError);
    expect(fallback.calls).toBe(0);
  });

  it("falls back by default on any transient KeyValueError, not only StoreConnectionError", async () => {
    const { store, primary } = await setUp();
    primary.down = true;
    primary.failure = () => new Busy();
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "fallback" });
  });

  it("falls back on whatever fallbackOn accepts", async () => {
    const { store, primary } = await setUp({
      fallbackOn: (error) => StoreError.isInstance(error),
    });
    primary.down = true;
    primary.failure = () => new StoreError({ message: "READONLY" });
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "fallback" });
  });

  it("throws the fallback's error when the fallback fails too", async () => {
    const primary = new SwitchableStore();
    const fallback = new SwitchableStore();
    primary.down = true;
    fallback.down = true;
    fallback.failure = () => new StoreConnectionError({ message: "fallback refused too" });
    const store = new FallbackWrapper(primary, fallback);
    await expect(store.get("k")).rejects.toThrow("fallback refused too");
  });

  it("opens the circuit after failureThreshold consecutive failures and skips the primary during the cool-down", async () => {
    const { store, primary, clock } = await setUp({ failureThreshold: 3, cooldownMs: 10_000 });
    primary.down = true;
    for (let call = 0; call < 3; call++) await store.get("k", { collection: "c" });
    expect(primary.calls).toBe(3);
    expect(store.circuitState).toBe("open");

    clock.advance(9_999);
    for (let call = 0; call < 50; call++) {
      expect(await store.get("k", { collection: "c" })).toEqual({ from: "fallback" });
    }
    expect(primary.calls).toBe(3);

    const error = await store
      .put("w", { n: 1 }, { collection: "c" })
      .catch((caught: unknown) => caught);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("open circuit");
    expect(StoreConnectionError.isInstance((error as Error).cause)).toBe(true);
    expect(primary.calls).toBe(3);
  });

  it("probes the primary once after the cool-down and closes the circuit when it answers", async () => {
    const { store, primary, clock } = await setUp({ failureThreshold: 2, cooldownMs: 1_000 });
    primary.down = true;
    await store.get("k", { collection: "c" });
    await store.get("k", { collection: "c" });
    expect(store.circuitState).toBe("open");

    clock.advance(1_000);
    expect(store.circuitState).toBe("half-open");
    primary.down = false;
    primary.calls = 0;
    const [probe, ...others] = await Promise.all(
      Array.from({ length: 5 }, () => store.get("k", { collection: "c" })),
    );
    expect(probe).toEqual({ from: "primary" });
    expect(others).toEqual(Array.from({ length: 4 }, () => ({ from: "fallback" })));
    expect(primary.calls).toBe(1);
    expect(store.circuitState).toBe("closed");
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "primary" });
  });

  it("opens the circuit for another cool-down when the probe fails", async () => {
    const { store, primary, clock } = await setUp({ failureThreshold: 2, cooldownMs: 1_000 });
    primary.down = true;
    await store.get("k", { collection: "c" });
    await store.get("k", { collection: "c" });
    clock.advance(1_000);
    primary.calls = 0;
    expect(await store.get("k", { collection: "c" })).toEqual({ from: "fallback" });
    expect(primary.calls).toBe(1);
    expect(store.circuitState).toBe("open");
    clock.advance(999);
    await store.get("k", { collection: "c" });
    expect(primary.calls).toBe(1);
  });

  it("counts only consecutive failures: a success in between starts the count again", async () => {
    const { store, primary } = await setUp({ failureThreshold: 3 });
    for (const down of [true, true, false, true, true]) {
      primary.down = down;
      await store.get("k", { collection: "c" });
    }
    expect(store.circuitState).toBe("closed");
    await store.get("k", { collection: "c" });
    expect(store.circuitState).toBe("open");
  });

  it("offers the primary's capabilities and closes both stores", async () => {
    const primary = new ClosableStore();
    const fallback = new ClosableStore();
    const store = new FallbackWrapper(primary, fallback);
    expectOffers(store, { keys: true, collections: true, close: true });
    await store[Symbol.asyncDispose]();
    expect([primary.closed, fallback.closed]).toEqual([true, true]);

    const memoryOnly = new FallbackWrapper(new MemoryStore(), new ClosableStore());
    expect(supports(memoryOnly, "close")).toBe(true);
    expect(supportsClose(new FallbackWrapper(new MemoryStore(), new MemoryStore()))).toBe(false);
  });

  it("refuses a threshold below 1 or a negative cool-down", () => {
    const [a, b] = [new MemoryStore(), new MemoryStore()];
    expect(() => new FallbackWrapper(a, b, { failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new FallbackWrapper(a, b, { cooldownMs: -1 })).toThrow(RangeError);
  });
});

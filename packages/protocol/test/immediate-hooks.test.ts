import {
  BaseStore,
  type KeyValueError,
  type ManagedEntry,
  ManualClock,
  type MaybePromise,
  StoreError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

/**
 * A store whose single-key hooks hand back their results directly (as an in-process backend's
 * do), or, with `answer` set to "thenable", through a promise-like object that is not a native
 * promise (as some drivers' are).
 */
class ImmediateStore extends BaseStore {
  readonly data = new Map<string, ManagedEntry>();
  answer: "value" | "thenable" = "value";
  failWith: unknown;

  protected getEntry(collection: string, key: string): MaybePromise<ManagedEntry | undefined> {
    return this.respond(() => this.data.get(`${collection}/${key}`));
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): MaybePromise<void> {
    return this.respond(() => {
      this.data.set(`${collection}/${key}`, entry);
    });
  }

  protected deleteEntry(collection: string, key: string): MaybePromise<boolean> {
    return this.respond(() => this.data.delete(`${collection}/${key}`));
  }

  private respond<T>(work: () => T): MaybePromise<T> {
    if (this.failWith !== undefined) throw this.failWith;
    const result = work();
    if (this.answer === "value") return result;
    // biome-ignore lint/suspicious/noThenProperty: a promise-like object that is not a Promise, on purpose
    const thenable = { then: (resolve: (value: T) => void) => resolve(result) };
    return thenable as unknown as Promise<T>;
  }
}

describe.each(["value", "thenable"] as const)("single-key hooks answering with a %s", (answer) => {
  const open = () => {
    const clock = new ManualClock(1_000_000);
    const store = new ImmediateStore({ clock });
    store.answer = answer;
    return { store, clock };
  };

  it("writes, reads and deletes", async () => {
    const { store } = open();
    await store.put("a", { n: 1 });
    expect(await store.get("a")).toEqual({ n: 1 });
    expect(await store.delete("a")).toBe(true);
    expect(await store.delete("a")).toBe(false);
    expect(await store.get("a")).toBeUndefined();
  });

  it("reports the remaining TTL and hides expired entries", async () => {
    const { store, clock } = open();
    await store.put("a", { n: 1 }, { ttl: 10 });
    expect(await store.ttl("a")).toEqual([{ n: 1 }, 10]);
    clock.advance(10_000);
    expect(await store.get("a")).toBeUndefined();
    expect(await store.ttl("a")).toEqual([undefined, undefined]);
  });

  it("turns a hook's synchronous failure into a rejection mapped to a store error", async () => {
    const { store } = open();
    store.failWith = new Error("backend broke");
    for (const call of [() => store.get("a"), () => store.put("a", {}), () => store.delete("a")]) {
      const result = call();
      expect(result).toBeInstanceOf(Promise);
      const error = await result.catch((caught: unknown) => caught);
      expect(StoreError.isInstance(error)).toBe(true);
      expect((error as KeyValueError).cause).toBe(store.failWith);
    }
  });
});

describe("a hook that answers at once", () => {
  it("lets a get made before a put in the same turn read the old value", async () => {
    const store = new ImmediateStore();
    await store.put("a", { n: 1 });
    const before = store.get("a");
    const written = store.put("a", { n: 2 });
    const after = store.get("a");
    await written;
    expect([await before, await after]).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("settles the call sooner than a hook returning a promise", async () => {
    const immediate = new ImmediateStore();
    class PromisedStore extends ImmediateStore {
      protected override getEntry(collection: string, key: string) {
        return Promise.resolve(super.getEntry(collection, key));
      }
    }
    const promised = new PromisedStore();
    await Promise.all([immediate.put("a", {}), promised.put("a", {})]);
    const order: string[] = [];
    await Promise.all([
      promised.get("a").then(() => order.push("promise")),
      immediate.get("a").then(() => order.push("at once")),
    ]);
    expect(order).toEqual(["at once", "promise"]);
  });
});

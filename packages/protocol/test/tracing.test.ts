import { AsyncLocalStorage } from "node:async_hooks";
import { tracingChannel } from "node:diagnostics_channel";
import {
  BaseStore,
  BaseWrapper,
  InvalidKeyError,
  type ManagedEntry,
  type Operation,
  StoreError,
  type StoreOperationEvent,
  systemNameOf,
  TRACED_OPERATIONS,
  tracingChannelName,
} from "@kv/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { CapableMapStore } from "./capable-map-store.ts";
import { VersionedMapStore } from "./versioned-map-store.ts";

type Phase = "start" | "end" | "asyncStart" | "asyncEnd" | "error";
interface Recorded {
  phase: Phase;
  event: StoreOperationEvent;
}

const unsubscribers: (() => void)[] = [];
afterEach(() => {
  for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
});

/** Subscribes to the tracing channels of `operations` and records every event, in order. */
function record(...operations: Operation[]): Recorded[] {
  const recorded: Recorded[] = [];
  for (const operation of operations) {
    const channel = tracingChannel<StoreOperationEvent>(tracingChannelName(operation));
    const on = (phase: Phase) => (event: StoreOperationEvent) => {
      recorded.push({ phase, event: { ...event } });
    };
    const handlers = {
      start: on("start"),
      end: on("end"),
      asyncStart: on("asyncStart"),
      asyncEnd: on("asyncEnd"),
      error: on("error"),
    };
    channel.subscribe(handlers);
    unsubscribers.push(() => channel.unsubscribe(handlers));
  }
  return recorded;
}

const phases = (recorded: readonly Recorded[]) => recorded.map(({ phase }) => phase);

class FailingStore extends BaseStore {
  protected async getEntry(): Promise<ManagedEntry | undefined> {
    throw new Error("connection reset");
  }
  protected async putEntry(): Promise<void> {}
  protected async deleteEntry(): Promise<boolean> {
    return false;
  }
}

class PassThroughWrapper extends BaseWrapper {}

describe("diagnostics_channel tracing from BaseStore", () => {
  it("publishes start, end, asyncStart and asyncEnd for a get, on the channel kv:get", async () => {
    const store = new CapableMapStore();
    await store.put("u1", { name: "Ada" }, { collection: "users" });
    const recorded = record("get");

    expect(await store.get("u1", { collection: "users" })).toEqual({ name: "Ada" });

    expect(phases(recorded)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
    expect(recorded[0]?.event).toEqual({
      operation: "get",
      store: "CapableMapStore",
      system: "capablemap",
      collection: "users",
      keyCount: 1,
    });
  });

  it("shares one event object between the phases of a call", async () => {
    const store = new CapableMapStore();
    const seen = new Set<StoreOperationEvent>();
    const channel = tracingChannel<StoreOperationEvent>("kv:put");
    const handlers = {
      start: (event: StoreOperationEvent) => seen.add(event),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (event: StoreOperationEvent) => seen.add(event),
      error: () => {},
    };
    channel.subscribe(handlers);
    unsubscribers.push(() => channel.unsubscribe(handlers));

    await store.put("k", { n: 1 });

    expect(seen.size).toBe(1);
  });

  it("runs the store's work inside the stores bound to the start channel", async () => {
    const storage = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    class ObservedStore extends CapableMapStore {
      protected override async getEntry(collection: string, key: string) {
        seen.push(storage.getStore());
        return super.getEntry(collection, key);
      }
    }
    const channel = tracingChannel<string, StoreOperationEvent>("kv:get");
    channel.start.bindStore(storage, (event) => `trace of ${event.operation}`);
    unsubscribers.push(() => channel.start.unbindStore(storage));

    await new ObservedStore().get("k");

    expect(seen).toEqual(["trace of get"]);
  });

  it("names the default collection when a call names none", async () => {
    const store = new CapableMapStore({ defaultCollection: "fallback" });
    const recorded = record("put");

    await store.put("k", { n: 1 });

    expect(recorded[0]?.event.collection).toBe("fallback");
  });

  it("never publishes keys or values, and leaves the result unset", async () => {
    const store = new CapableMapStore();
    await store.put("secret-key", { card: "4111" });
    const recorded = record("get", "put");

    await store.put("other-key", { card: "5500" });
    await store.get("secret-key");

    for (const { event } of recorded) {
      expect(JSON.stringify(event)).not.toMatch(/secret-key|other-key|4111|5500/);
      expect((event as { result?: unknown }).result).toBeUndefined();
    }
  });

  it("counts the keys of a bulk call", async () => {
    const store = new CapableMapStore();
    const recorded = record("getMany", "putMany", "deleteMany", "ttlMany");

    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
      ["c", { n: 3 }],
    ]);
    await store.getMany(["a", "b"]);
    await store.ttlMany(["a"]);
    await store.deleteMany(["a", "b", "c", "d"]);

    const starts = recorded.filter(({ phase }) => phase === "start").map(({ event }) => event);
    expect(starts.map(({ operation, keyCount }) => [operation, keyCount])).toEqual([
      ["putMany", 3],
      ["getMany", 2],
      ["ttlMany", 1],
      ["deleteMany", 4],
    ]);
  });

  it("publishes error with the typed error when the backend fails", async () => {
    const store = new FailingStore();
    const recorded = record("get");

    await expect(store.get("k")).rejects.toBeInstanceOf(StoreError);

    expect(phases(recorded)).toEqual(["start", "end", "error", "asyncStart", "asyncEnd"]);
    const failed = recorded.find(({ phase }) => phase === "error")?.event;
    expect(StoreError.isInstance(failed?.error)).toBe(true);
    expect(failed?.error).toMatchObject({ cause: new Error("connection reset") });
    expect(failed?.system).toBe("failing");
  });

  it("publishes error for bad input, which is refused before anything is written", async () => {
    const store = new CapableMapStore();
    const recorded = record("put");

    await expect(store.put("", { n: 1 })).rejects.toBeInstanceOf(InvalidKeyError);

    expect(phases(recorded)).toContain("error");
    expect(
      InvalidKeyError.isInstance(recorded.find(({ phase }) => phase === "error")?.event.error),
    ).toBe(true);
    expect(store.data.size).toBe(0);
  });

  it("traces capability calls on their own channels", async () => {
    const store = new CapableMapStore();
    await store.put("k", { n: 1 }, { collection: "c" });
    const recorded = record("keys", "destroyCollection", "readEntries", "close");

    await store.keys({ collection: "c" });
    await store.readEntries(["k", "j"], { collection: "c" });
    await store.destroyCollection("c");
    await store.close();

    const starts = recorded.filter(({ phase }) => phase === "start").map(({ event }) => event);
    expect(
      starts.map(({ operation, collection, keyCount }) => [operation, collection, keyCount]),
    ).toEqual([
      ["keys", "c", 0],
      ["readEntries", "c", 2],
      ["destroyCollection", "c", 0],
      ["close", undefined, 0],
    ]);
  });

  it("traces the atomic operations", async () => {
    const store = new VersionedMapStore();
    const recorded = record("putIfAbsent");

    expect(await store.putIfAbsent("lock", { owner: "a" }, { ttl: 5 })).toBe(true);
    expect(await store.putIfAbsent("lock", { owner: "b" })).toBe(false);

    expect(phases(recorded)).toEqual([
      "start",
      "end",
      "asyncStart",
      "asyncEnd",
      "start",
      "end",
      "asyncStart",
      "asyncEnd",
    ]);
    expect(recorded[0]?.event).toMatchObject({ operation: "putIfAbsent", keyCount: 1 });
  });

  it("publishes nothing and returns the same results when nobody subscribes", async () => {
    const store = new CapableMapStore();
    const recorded = record("get");
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();

    await store.put("k", { n: 1 });

    expect(await store.get("k")).toEqual({ n: 1 });
    expect(recorded).toEqual([]);
  });

  it("lists every traced operation, each with its own channel name", () => {
    expect(TRACED_OPERATIONS).toEqual(
      expect.arrayContaining(["get", "putMany", "keys", "putIfAbsent", "increment", "touch"]),
    );
    expect(TRACED_OPERATIONS).not.toContain("setup");
    expect(tracingChannelName("getMany")).toBe("kv:getMany");
  });
});

describe("systemName", () => {
  it("is the class name without Store, in lower case, unless the store overrides it", () => {
    class PostgresStore extends CapableMapStore {
      override readonly systemName = "postgresql";
    }
    expect(new CapableMapStore().systemName).toBe("capablemap");
    expect(new PostgresStore().systemName).toBe("postgresql");
  });

  it("is the inner store's for a wrapper, however deep", () => {
    const store = new CapableMapStore();
    expect(systemNameOf(new PassThroughWrapper(new PassThroughWrapper(store)))).toBe("capablemap");
    expect(systemNameOf({ get: async () => undefined } as never)).toBeUndefined();
  });
});

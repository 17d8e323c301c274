import { expectOffers } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { NullStore } from "@kv/null";
import {
  InvalidKeyError,
  InvalidTtlError,
  isTransientError,
  type KeyValue,
  SerializationError,
  StoreClosedError,
  StoreConfigurationError,
  supports,
  supportsClose,
  supportsIncrement,
  supportsVersions,
} from "@kv/protocol";
import { type RouteFunction, RoutingWrapper } from "@kv/routing";
import { SqliteStore } from "@kv/sqlite";
import { describe, expect, it, vi } from "vitest";

function byCollection() {
  const sessions = new MemoryStore();
  const users = new MemoryStore();
  const other = new MemoryStore();
  const store = new RoutingWrapper({ collections: { sessions, users }, defaultStore: other });
  return { store, sessions, users, other };
}

/** Keys starting with "a" go to `a`, with "b" to `b`, the rest to `other`. */
function byFirstLetter() {
  const a = new MemoryStore();
  const b = new MemoryStore();
  const other = new MemoryStore();
  const route: RouteFunction = (_collection, key) =>
    key.startsWith("a") ? a : key.startsWith("b") ? b : undefined;
  const store = new RoutingWrapper({ route, stores: [a, b], defaultStore: other });
  return { store, a, b, other };
}

describe("RoutingWrapper by collection", () => {
  it("sends each mapped collection to its store and every other one to defaultStore", async () => {
    const { store, sessions, users, other } = byCollection();
    await store.put("s1", { n: 1 }, { collection: "sessions" });
    await store.put("u1", { n: 2 }, { collection: "users", ttl: 600 });
    await store.put("x1", { n: 3 }, { collection: "logs" });

    expect(await sessions.get("s1", { collection: "sessions" })).toEqual({ n: 1 });
    expect(await users.ttl("u1", { collection: "users" })).toEqual([
      { n: 2 },
      expect.closeTo(600, 0),
    ]);
    expect(await other.get("x1", { collection: "logs" })).toEqual({ n: 3 });
    expect(await other.getMany(["s1", "u1"], { collection: "sessions" })).toEqual([
      undefined,
      undefined,
    ]);
    expect(await store.getMany(["s1", "nope"], { collection: "sessions" })).toEqual([
      { n: 1 },
      undefined,
    ]);
    expect(await store.delete("u1", { collection: "users" })).toBe(true);
    expect(await users.get("u1", { collection: "users" })).toBeUndefined();
  });

  it("routes a call without a collection by the default store's default collection, and names it to the store", async () => {
    const main = new MemoryStore({ defaultCollection: "main" });
    const archive = new MemoryStore({ defaultCollection: "elsewhere" });
    const store = new RoutingWrapper({ collections: { main: archive }, defaultStore: main });
    expect(store.defaultCollection).toBe("main");
    await store.put("k", { n: 1 });
    expect(await archive.get("k", { collection: "main" })).toEqual({ n: 1 });
    expect(await store.get("k")).toEqual({ n: 1 });
  });

  it("accepts a Map, and a collection named like an Object.prototype member routes to the default", async () => {
    const sessions = new MemoryStore();
    const other = new MemoryStore();
    const store = new RoutingWrapper({
      collections: new Map([["sessions", sessions]]),
      defaultStore: other,
    });
    await store.put("k", { n: 1 }, { collection: "constructor" });
    expect(await other.get("k", { collection: "constructor" })).toEqual({ n: 1 });
  });

  it("lists keys from the collection's own store only", async () => {
    const { store, sessions, other } = byCollection();
    await store.putMany(
      [
        ["s1", { n: 1 }],
        ["s2", { n: 2 }],
      ],
      { collection: "sessions" },
    );
    const otherKeys = vi.spyOn(other, "keys");
    expect((await store.keys?.({ collection: "sessions" }))?.sort()).toEqual(["s1", "s2"]);
    expect(await store.keys?.({ collection: "sessions", limit: 1 })).toHaveLength(1);
    expect(otherKeys).not.toHaveBeenCalled();
    await sessions.put("stray", { n: 0 }, { collection: "logs" });
    expect(await store.keys?.({ collection: "logs" })).toEqual([]);
  });

  it("lists each collection once, from the store it routes to", async () => {
    const { store, sessions, users, other } = byCollection();
    await store.put("s", { n: 1 }, { collection: "sessions" });
    await store.put("u", { n: 1 }, { collection: "users" });
    await store.put("x", { n: 1 }, { collection: "logs" });
    // Entries a store holds for a collection routed elsewhere are not the wrapper's.
    await users.put("stray", { n: 0 }, { collection: "sessions" });
    await other.put("stray", { n: 0 }, { collection: "users" });
    expect((await store.collections?.())?.sort()).toEqual(["logs", "sessions", "users"]);
    expect(await store.collections?.({ limit: 2 })).toHaveLength(2);
    expect(await sessions.collections()).toEqual(["sessions"]);
  });

  it("destroys a collection in its own store only", async () => {
    const { store, sessions, other } = byCollection();
    await store.put("s", { n: 1 }, { collection: "sessions" });
    await other.put("s", { n: 2 }, { collection: "sessions" });
    expect(await store.destroyCollection?.("sessions")).toBe(true);
    expect(await sessions.get("s", { collection: "sessions" })).toBeUndefined();
    expect(await other.get("s", { collection: "sessions" })).toEqual({ n: 2 });
    expect(await store.destroyCollection?.("sessions")).toBe(false);
  });
});

describe("RoutingWrapper by (collection, key)", () => {
  it("splits bulk calls by route, one call per store, and reassembles the results in order", async () => {
    const { store, a, b, other } = byFirstLetter();
    const calls = [a, b, other].map((s) => vi.spyOn(s, "getMany"));
    await store.putMany(
      [
        ["a1", { n: 1 }],
        ["b1", { n: 2 }],
        ["c1", { n: 3 }],
        ["a2", { n: 4 }],
      ],
      { collection: "c", ttl: 600 },
    );
    expect(await a.keys({ collection: "c" })).toEqual(expect.arrayContaining(["a1", "a2"]));
    expect(await b.keys({ collection: "c" })).toEqual(["b1"]);
    expect(await other.keys({ collection: "c" })).toEqual(["c1"]);

    const keys = ["c1", "a2", "zz", "b1", "a1"];
    expect(await store.getMany(keys, { collection: "c" })).toEqual([
      { n: 3 },
      { n: 4 },
      undefined,
      { n: 2 },
      { n: 1 },
    ]);
    for (const call of calls) expect(call).toHaveBeenCalledTimes(1);
    expect(calls[0]).toHaveBeenCalledWith(["a2", "a1"], { collection: "c" });
    const ttls = await store.ttlMany(keys, { collection: "c" });
    expect(ttls.map(([value]) => value)).toEqual([
      { n: 3 },
      { n: 4 },
      undefined,
      { n: 2 },
      { n: 1 },
    ]);
    expect(ttls[1]?.[1]).toBeCloseTo(600, 0);
    expect(ttls[2]).toEqual([undefined, undefined]);
    expect(await store.deleteMany(["a1", "b1", "zz", "a2"], { collection: "c" })).toBe(3);
    expect(await store.getMany(["a1", "a2", "b1", "c1"], { collection: "c" })).toEqual([
      undefined,
      undefined,
      undefined,
      { n: 3 },
    ]);
  });

  it("hands a bulk call whose keys share one route to that store whole", async () => {
    const { store, a } = byFirstLetter();
    const putMany = vi.spyOn(a, "putMany");
    const entries = [
      ["a1", { n: 1 }],
      ["a2", { n: 2 }],
    ] as const;
    await store.putMany(entries, { collection: "c" });
    expect(putMany).toHaveBeenCalledWith(entries, { collection: "c" });
    expect(await store.getMany([], { collection: "c" })).toEqual([]);
  });

  it("refuses bad input in a split putMany before any store writes", async () => {
    const { store, a, b } = byFirstLetter();
    const collection = "c";
    await expect(
      store.putMany(
        [
          ["a1", { n: 1 }],
          ["b1", { n: 10n }],
        ],
        { collection },
      ),
    ).rejects.toThrow(SerializationError);
    await expect(
      store.putMany(
        [
          ["a1", { n: 1 }],
          ["b1", { n: 2 }],
        ],
        { collection, ttl: 0 },
      ),
    ).rejects.toThrow(InvalidTtlError);
    await expect(
      store.putMany(
        [
          ["a1", { n: 1 }],
          ["", { n: 2 }],
        ],
        { collection },
      ),
    ).rejects.toThrow(InvalidKeyError);
    expect(await a.get("a1", { collection })).toBeUndefined();
    expect(await b.get("b1", { collection })).toBeUndefined();
  });

  it("gives the route function only valid names", async () => {
    const route = vi.fn<RouteFunction>(() => undefined);
    const store = new RoutingWrapper({ route, stores: [], defaultStore: new MemoryStore() });
    await expect(store.get("", { collection: "c" })).rejects.toThrow(InvalidKeyError);
    await expect(store.getMany(["k", 42 as unknown as string])).rejects.toThrow(InvalidKeyError);
    await expect(store.put("k", { n: 1 }, { collection: "" })).rejects.toThrow(InvalidKeyError);
    expect(route).not.toHaveBeenCalledWith(expect.anything(), "");
    expect(route).not.toHaveBeenCalledWith("", expect.anything());
  });

  it("sends each atomic operation to its key's store, and offers them only when every store does", async () => {
    const even = new MemoryStore();
    const odd = new MemoryStore();
    const store = new RoutingWrapper({
      route: (_c, key) => (Number(key.slice(1)) % 2 === 0 ? even : odd),
      stores: [even, odd],
      defaultStore: even,
    });
    expect(supportsIncrement(store) && supportsVersions(store)).toBe(true);
    if (!supportsIncrement(store) || !supportsVersions(store)) return;
    expect(await store.increment("k1", { by: 3 })).toBe(3);
    expect(await store.increment("k2")).toBe(1);
    expect(await odd.get("k1")).toEqual({ count: 3 });
    expect(await even.get("k2")).toEqual({ count: 1 });
    const read = await store.getVersioned("k1");
    expect(await store.putIfVersion("k1", { count: 9 }, read?.version ?? "")).toBe(true);
    expect(await odd.get("k1")).toEqual({ count: 9 });
    const withNull = new RoutingWrapper({
      collections: { c: new NullStore() },
      defaultStore: even,
    });
    expect(supportsIncrement(withNull)).toBe(false);
  });

  it("refuses a store the route function returns that is not listed in stores, writing nothing", async () => {
    const listed = new MemoryStore();
    const unlisted = new MemoryStore();
    const store = new RoutingWrapper({
      route: (_c, key) => (key === "x" ? unlisted : listed),
      stores: [listed],
      defaultStore: new MemoryStore(),
    });
    await expect(store.put("x", { n: 1 })).rejects.toThrow(StoreConfigurationError);
    await expect(
      store.putMany([
        ["k", { n: 1 }],
        ["x", { n: 2 }],
      ]),
    ).rejects.toThrow(StoreConfigurationError);
    expect(await listed.get("k")).toBeUndefined();
  });

  it("lists a collection's keys from every store, each key only from the store it routes to", async () => {
    const { store, a, other } = byFirstLetter();
    await store.putMany(
      [
        ["a1", { n: 1 }],
        ["b1", { n: 2 }],
        ["c1", { n: 3 }],
      ],
      { collection: "c" },
    );
    await other.put("a-stray", { n: 0 }, { collection: "c" });
    expect((await store.keys?.({ collection: "c" }))?.sort()).toEqual(["a1", "b1", "c1"]);
    expect(await store.keys?.({ collection: "c", limit: 2 })).toHaveLength(2);
    await a.put("a9", { n: 9 }, { collection: "d" });
    await other.put("c9", { n: 9 }, { collection: "d" });
    expect((await store.collections?.())?.sort()).toEqual(["c", "d"]);
  });

  it("destroys a collection in every store, and destroy() empties every store", async () => {
    const { store, a, b, other } = byFirstLetter();
    await store.putMany(
      [
        ["a1", { n: 1 }],
        ["b1", { n: 2 }],
      ],
      { collection: "c" },
    );
    await store.put("c1", { n: 3 }, { collection: "d" });
    expect(await store.destroyCollection?.("c")).toBe(true);
    expect(await a.keys({ collection: "c" })).toEqual([]);
    expect(await b.keys({ collection: "c" })).toEqual([]);
    expect(await store.destroy?.()).toBe(true);
    expect(await other.collections()).toEqual([]);
    expect(await store.destroy?.()).toBe(false);
  });
});

describe("RoutingWrapper capabilities", () => {
  it("offers enumeration and destruction only when every store offers them", () => {
    const full = new RoutingWrapper({
      collections: { a: new MemoryStore() },
      defaultStore: new MemoryStore(),
    });
    expectOffers(full, { keys: true, collections: true, destroyCollection: true, destroy: true });

    const partial = new RoutingWrapper({
      collections: { a: new NullStore() },
      defaultStore: new MemoryStore(),
    });
    expectOffers(partial, {
      keys: false,
      collections: false,
      destroyCollection: false,
      destroy: false,
    });

    const viaFunction = new RoutingWrapper({
      route: () => undefined,
      stores: [new NullStore()],
      defaultStore: new MemoryStore(),
    });
    expect(supports(viaFunction, "keys")).toBe(false);
  });

  it("offers cull and close when any store does, and applies them to the stores that can", async () => {
    const sqlite = new SqliteStore({ path: ":memory:" });
    const store = new RoutingWrapper({
      collections: { cache: new NullStore() },
      defaultStore: sqlite,
    });
    expectOffers(store, { cull: true, close: true });
    const cull = vi.spyOn(sqlite, "cull");
    await store.cull?.();
    expect(cull).toHaveBeenCalledTimes(1);
    await store.close?.();
    await store.close?.();
    await store[Symbol.asyncDispose]();
    await expect(sqlite.get("k")).rejects.toThrow(StoreClosedError);

    expect(
      supportsClose(new RoutingWrapper({ collections: {}, defaultStore: new MemoryStore() })),
    ).toBe(false);
  });

  it("refuses every call after close() with StoreClosedError, even for stores that cannot close", async () => {
    const memory = new MemoryStore();
    const store = new RoutingWrapper({
      collections: { cache: memory },
      defaultStore: new SqliteStore({ path: ":memory:" }),
    });
    await store.close?.();
    const error = await store.get("k", { collection: "cache" }).catch((caught: unknown) => caught);
    expect(StoreClosedError.isInstance(error)).toBe(true);
    expect(isTransientError(error)).toBe(false);
    await expect(store.keys?.({ collection: "cache" })).rejects.toThrow(StoreClosedError);
    await expect(store.putMany([["k", { n: 1 }]], { collection: "cache" })).rejects.toThrow(
      StoreClosedError,
    );
    expect(await memory.get("k", { collection: "cache" })).toBeUndefined();
  });
});

describe("RoutingWrapper options", () => {
  const store = new MemoryStore();

  it("needs exactly one of collections and route", () => {
    expect(() => new RoutingWrapper({ defaultStore: store } as never)).toThrow(
      StoreConfigurationError,
    );
    expect(
      () =>
        new RoutingWrapper({ defaultStore: store, collections: {}, route: () => store } as never),
    ).toThrow(StoreConfigurationError);
  });

  it("refuses what is not a store or not a function with TypeError", () => {
    expect(() => new RoutingWrapper({ defaultStore: {} as KeyValue, collections: {} })).toThrow(
      TypeError,
    );
    expect(
      () =>
        new RoutingWrapper({
          defaultStore: store,
          collections: { a: "redis" as unknown as KeyValue },
        }),
    ).toThrow(TypeError);
    expect(
      () =>
        new RoutingWrapper({
          defaultStore: store,
          route: "a" as unknown as RouteFunction,
          stores: [],
        }),
    ).toThrow(TypeError);
  });

  it("refuses a collection name no store accepts with InvalidKeyError", () => {
    expect(() => new RoutingWrapper({ defaultStore: store, collections: { "": store } })).toThrow(
      InvalidKeyError,
    );
  });
});

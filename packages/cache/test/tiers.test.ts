import { randomUUID } from "node:crypto";
import {
  describeConformance,
  expectOffers,
  OperationRecorder,
  sleep,
  withoutCapabilities,
} from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  type KeyValue,
  ManualClock,
  type Operation,
  StoreClosedError,
  StoreConfigurationError,
  supportsEntries,
} from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { afterAll, describe, expect, it } from "vitest";
import { redisUrl, requireService } from "../../../scripts/services/require-service.ts";
import { TieredStore } from "../src/tiers.ts";
import { busesOnOwnConnections } from "./fixtures/buses.ts";

await requireService("redis", redisUrl());

const run = randomUUID().slice(0, 8);
const namespaces = new Set<string>();
let opened = 0;

/** A namespace no other store of this file uses. */
function freshNamespace(): string {
  return `kv-cache-tiers-${run}-${++opened}`;
}

/** A Redis store in a namespace of its own (or the one named), removed after the file. */
function redisStore(namespace = freshNamespace()): RedisStore {
  namespaces.add(namespace);
  return new RedisStore({ url: redisUrl(), namespace });
}

afterAll(async () => {
  for (const namespace of namespaces) {
    const store = new RedisStore({ url: redisUrl(), namespace });
    await store.destroy();
    await store.close();
  }
});

/** Three recorded MemoryStores, top to bottom. */
function recordedTiers(): [OperationRecorder, OperationRecorder, OperationRecorder] {
  return [
    new OperationRecorder(new MemoryStore()),
    new OperationRecorder(new MemoryStore()),
    new OperationRecorder(new MemoryStore()),
  ];
}

/** Epoch ms at which a tier's copy of `key` expires (`undefined`: never; `null`: not held). */
async function expiryIn(tier: KeyValue, key: string): Promise<number | undefined | null> {
  if (!supportsEntries(tier)) throw new Error("the tier cannot read whole entries");
  const [entry] = await tier.readEntries([key]);
  return entry === undefined ? null : entry.expiresAt;
}

/**
 * A store whose TTL reads take their answer from the store at once but hand it over only once
 * `release()` is called: a slow lower tier, to interleave a read with a write deterministically.
 */
class HeldReads extends BaseWrapper {
  #release: () => void = () => {};
  #held: Promise<void> = Promise.resolve();

  /** Holds the answers of the TTL reads made from now on. */
  hold(): void {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release();
  }

  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    const result = await call(this.store);
    if (operation === "ttl" || operation === "ttlMany") await this.#held;
    return result;
  }
}

/** A store that takes 5 ms to start each write. */
class SlowWrites extends BaseWrapper {
  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    if (operation === "put" || operation === "putMany") await sleep(5);
    return call(this.store);
  }
}

describe("TieredStore reads", () => {
  it("answers from the first tier, in order, that holds the key, and asks none below it", async () => {
    const [top, middle, bottom] = recordedTiers();
    const store = new TieredStore([top, middle, bottom]);
    await middle.put("k", { from: "middle" });
    await bottom.put("k", { from: "bottom" });
    for (const tier of [top, middle, bottom]) tier.reached.length = 0;

    expect(await store.get("k")).toEqual({ from: "middle" });
    expect(top.reached).toEqual(["get", "writeEntries"]);
    expect(middle.reached).toEqual(["ttl"]);
    expect(bottom.reached).toEqual([]);
    expect(await top.get("k")).toEqual({ from: "middle" });
  });

  it("copies a value found lower down into every tier above it, with the TTL left", async () => {
    const [top, middle, bottom] = [new MemoryStore(), new MemoryStore(), new MemoryStore()];
    const store = new TieredStore([top, middle, bottom]);
    await bottom.put("k", { n: 1 }, { ttl: 2 });
    await sleep(300);

    expect(await store.get("k")).toEqual({ n: 1 });
    const below = (await expiryIn(bottom, "k")) as number;
    for (const tier of [top, middle]) {
      expect(await tier.get("k")).toEqual({ n: 1 });
      const copy = (await expiryIn(tier, "k")) as number;
      expect(copy).toBeLessThanOrEqual(below);
      expect(copy).toBeGreaterThan(below - 1000);
    }
  });

  it("never lets a copy in L1 outlive the entry in Redis", async () => {
    const [l1, l2] = [new MemoryStore(), redisStore()];
    const store = new TieredStore([l1, l2]);
    await l2.put("k", { n: 1 }, { ttl: 1.5 });
    await sleep(500);

    expect(await store.get("k")).toEqual({ n: 1 });
    const [, l1Ttl] = await l1.ttl("k");
    expect(l1Ttl).toBeGreaterThan(0.5);
    const inRedis = (await expiryIn(l2, "k")) as number;
    expect((await expiryIn(l1, "k")) as number).toBeLessThanOrEqual(inRedis);

    await sleep(inRedis - Date.now() + 20);
    expect(await l2.get("k")).toBeUndefined();
    expect(await l1.get("k")).toBeUndefined();
    expect(await store.get("k")).toBeUndefined();
    await l2.close();
  });

  it("keeps an entry that never expires below without expiry above, or at most maxUpperTtl", async () => {
    const [top, bottom] = [new MemoryStore(), new MemoryStore()];
    await bottom.put("forever", { n: 1 });
    await bottom.put("long", { n: 2 }, { ttl: 3600 });

    await new TieredStore([top, bottom]).getMany(["forever", "long"]);
    expect(await top.ttlMany(["forever"])).toEqual([[{ n: 1 }, undefined]]);

    const capped = new MemoryStore();
    const store = new TieredStore([capped, bottom], { maxUpperTtl: "2s" });
    const [[, forever], [, long]] = (await store.ttlMany(["forever", "long"])) as [
      [unknown, number | undefined],
      [unknown, number],
    ];
    expect(forever).toBeUndefined();
    expect(long).toBeGreaterThan(3590);
    for (const [, ttl] of await capped.ttlMany(["forever", "long"])) {
      expect(ttl).toBeLessThanOrEqual(2);
    }
  });

  it("asks each tier once in a bulk read, for the keys the tiers above it lacked", async () => {
    const [top, middle, bottom] = recordedTiers();
    const store = new TieredStore([top, middle, bottom]);
    await top.put("a", { in: "top" });
    await middle.put("b", { in: "middle" });
    await bottom.putMany([
      ["c", { in: "bottom" }],
      ["d", { in: "bottom" }],
    ]);
    for (const tier of [top, middle, bottom]) tier.reached.length = 0;

    expect(await store.getMany(["a", "b", "c", "d", "missing", "a"])).toEqual([
      { in: "top" },
      { in: "middle" },
      { in: "bottom" },
      { in: "bottom" },
      undefined,
      { in: "top" },
    ]);
    expect(top.reached).toEqual(["getMany", "writeEntries"]);
    expect(middle.reached).toEqual(["ttlMany", "writeEntries"]);
    expect(bottom.reached).toEqual(["ttlMany"]);
    expect(await top.getMany(["b", "c", "d", "missing"])).toEqual([
      { in: "middle" },
      { in: "bottom" },
      { in: "bottom" },
      undefined,
    ]);
  });

  it("fills an upper tier without whole-entry access with one putMany per TTL, 1 ms short", async () => {
    const clock = new ManualClock();
    const top = new OperationRecorder(withoutCapabilities(new MemoryStore({ clock }), "entries"));
    const bottom = new MemoryStore({ clock });
    await bottom.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { ttl: 60 },
    );
    await bottom.put("c", { n: 3 });

    clock.advanceSeconds(10);

    await new TieredStore([top, bottom], { clock }).getMany(["a", "b", "c"]);
    expect(top.reached.filter((operation) => operation === "putMany")).toHaveLength(2);
    expect(await top.ttlMany(["a", "b", "c"])).toEqual([
      [{ n: 1 }, 49.999],
      [{ n: 2 }, 49.999],
      [{ n: 3 }, undefined],
    ]);
  });

  it("copies nothing up when a write of the same key ran while the lower tier was read", async () => {
    const top = new MemoryStore();
    const bottom = new HeldReads(new MemoryStore());
    const store = new TieredStore([top, bottom]);
    await bottom.put("k", { version: "old" });

    bottom.hold();
    const read = store.get("k");
    await sleep(10);
    await store.put("k", { version: "new" });
    bottom.release();

    expect(await read).toEqual({ version: "old" });
    expect(await top.get("k")).toEqual({ version: "new" });
    expect(await store.get("k")).toEqual({ version: "new" });
  });
});

describe("TieredStore with an invalidation bus", () => {
  const bus = busesOnOwnConnections();

  it("copies nothing up when another process's write, told by the bus, overlapped the read", async () => {
    const channel = `kv-cache-tiers-${run}-overlap`;
    const namespace = freshNamespace();
    const l1 = new MemoryStore();
    const lowest = new HeldReads(redisStore(namespace));
    const listening = bus(channel);
    const reader = new TieredStore([l1, lowest], { bus: listening });
    const writer = new TieredStore([new MemoryStore(), redisStore(namespace)], {
      bus: bus(channel),
    });
    await listening.ready();
    await writer.put("k", { version: "old" });

    lowest.hold();
    const read = reader.get("k");
    await sleep(20);
    const seen = new Promise((resolve) => listening.subscribe(resolve));
    await writer.put("k", { version: "new" });
    await seen;
    lowest.release();

    expect(await read).toEqual({ version: "old" });
    expect(await l1.get("k")).toBeUndefined();
    expect(await reader.get("k")).toEqual({ version: "new" });
  });
});

describe("TieredStore writes", () => {
  it("writes every tier, the upper ones expiring no later than the lowest", async () => {
    const [l1, l2] = [new MemoryStore(), redisStore()];
    const store = new TieredStore([l1, l2]);
    await store.put("one", { n: 1 }, { ttl: 60 });
    await store.putMany(
      [
        ["two", { n: 2 }],
        ["three", { n: 3 }],
      ],
      { ttl: "1m" },
    );
    await store.put("forever", { n: 4 });

    for (const key of ["one", "two", "three"]) {
      const inRedis = (await expiryIn(l2, key)) as number;
      expect(inRedis).toBeGreaterThan(Date.now() + 55_000);
      expect((await expiryIn(l1, key)) as number).toBeLessThanOrEqual(inRedis);
    }
    expect(await l1.getMany(["one", "two", "three", "forever"])).toEqual(
      await l2.getMany(["one", "two", "three", "forever"]),
    );
    expect(await expiryIn(l1, "forever")).toBeUndefined();
    await l2.close();
  });

  it("deletes from every tier and reports what the lowest tier held", async () => {
    const [top, middle, bottom] = [new MemoryStore(), new MemoryStore(), new MemoryStore()];
    const store = new TieredStore([top, middle, bottom]);
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
      ["c", { n: 3 }],
    ]);
    await top.put("only-above", { n: 4 });

    expect(await store.delete("a")).toBe(true);
    expect(await store.deleteMany(["b", "c", "only-above", "missing"])).toBe(2);
    for (const tier of [top, middle, bottom]) {
      expect(await tier.getMany(["a", "b", "c", "only-above"])).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  it("touches no upper tier when the lowest refuses the write", async () => {
    const [l1, l2] = [new MemoryStore(), redisStore()];
    const store = new TieredStore([l1, l2]);
    await l1.put("k", { version: "cached" });
    await l2.close();

    await expect(store.put("k", { version: "new" })).rejects.toSatisfy(StoreClosedError.isInstance);
    await expect(store.delete("k")).rejects.toSatisfy(StoreClosedError.isInstance);
    expect(await l1.get("k")).toEqual({ version: "cached" });
  });

  it("drops the key from every upper tier when one of them fails the write, then rejects", async () => {
    const [l1, failing, lowest] = [new MemoryStore(), redisStore(), new MemoryStore()];
    const store = new TieredStore([l1, failing, lowest]);
    await store.put("k", { version: "old" });
    await failing.close();

    await expect(store.put("k", { version: "new" })).rejects.toSatisfy(StoreClosedError.isInstance);
    expect(await l1.get("k")).toBeUndefined();
    expect(await lowest.get("k")).toEqual({ version: "new" });
  });

  it("deletes from an upper tier instead of writing when the TTL ran out before it was reached", async () => {
    const top = new MemoryStore();
    const store = new TieredStore([top, new SlowWrites(new MemoryStore())]);
    await top.put("k", { version: "old" });
    await store.put("k", { version: "new" }, { ttl: 0.002 });
    expect(await top.get("k")).toBeUndefined();
  });
});

describe("TieredStore capabilities", () => {
  it("offers the atomic operations of the lowest tier, and the rest by the rules of each", () => {
    expectOffers(new TieredStore([new MemoryStore(), new MemoryStore()]), {
      keys: true,
      collections: true,
      destroyCollection: true,
      destroy: true,
      cull: true,
      entries: true,
      putIfAbsent: true,
      versions: true,
      increment: true,
      touch: true,
      close: false,
    });
    const plainTop = withoutCapabilities(new MemoryStore(), "destroyCollection", "entries", "cull");
    expectOffers(new TieredStore([plainTop, new MemoryStore()]), {
      keys: true,
      destroyCollection: false,
      entries: true,
      cull: true,
      putIfAbsent: true,
    });
    const plainBottom = withoutCapabilities(
      new MemoryStore(),
      "putIfAbsent",
      "versions",
      "keys",
      "entries",
    );
    expectOffers(new TieredStore([new MemoryStore(), plainBottom]), {
      keys: false,
      putIfAbsent: false,
      versions: false,
      entries: false,
      increment: true,
    });
    expectOffers(new TieredStore([new MemoryStore(), redisStore()]), { close: true });
  });

  const changes: [name: string, change: (store: TieredStore) => Promise<unknown>][] = [
    [
      "putIfVersion",
      async (store) => {
        const read = await store.getVersioned?.("k");
        return store.putIfVersion?.("k", { n: 2 }, read?.version ?? "");
      },
    ],
    [
      "deleteIfVersion",
      async (store) => {
        const read = await store.getVersioned?.("k");
        return store.deleteIfVersion?.("k", read?.version ?? "");
      },
    ],
    ["increment", (store) => store.increment?.("k") as Promise<number>],
    ["touch", (store) => store.touch?.("k", { ttl: 60 }) as Promise<boolean>],
  ];

  for (const [name, change] of changes) {
    it(`runs ${name} on the lowest tier and drops the key from the upper ones`, async () => {
      const [top, bottom] = [new MemoryStore(), new MemoryStore()];
      const store = new TieredStore([top, bottom]);
      await store.put("k", { count: 1 });
      expect(await top.get("k")).toEqual({ count: 1 });

      expect(await change(store)).toBeTruthy();
      expect(await top.get("k")).toBeUndefined();
      expect(await store.get("k")).toEqual(await bottom.get("k"));
    });
  }

  it("runs putIfAbsent on the lowest tier: a win drops the key above, a loss changes nothing", async () => {
    const [top, bottom] = [new MemoryStore(), new MemoryStore()];
    const store = new TieredStore([top, bottom]);
    await top.put("lock", { stale: true });

    expect(await store.putIfAbsent?.("lock", { owner: 1 }, { ttl: 30 })).toBe(true);
    expect(await top.get("lock")).toBeUndefined();
    expect(await store.get("lock")).toEqual({ owner: 1 });
    expect(await top.get("lock")).toEqual({ owner: 1 });

    expect(await store.putIfAbsent?.("lock", { owner: 2 }, { ttl: 30 })).toBe(false);
    expect(await top.get("lock")).toEqual({ owner: 1 });
    expect(await bottom.get("lock")).toEqual({ owner: 1 });
  });

  it("lets exactly one of 40 lease claims from two tiered stores on one Redis win", async () => {
    const namespace = freshNamespace();
    const lowest = [redisStore(namespace), redisStore(namespace)];
    const stores = lowest.map((redis) => new TieredStore([new MemoryStore(), redis]));
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, claim) =>
        stores[claim % 2]?.putIfAbsent?.("lease", { claim }, { ttl: 10 }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    for (const store of stores) {
      expect(await store.get("lease")).toEqual({ claim: claims.indexOf(true) });
    }
    for (const redis of lowest) await redis.close();
  });

  it("refuses a tierless, repeated or badly configured tier list", () => {
    const memory = new MemoryStore();
    expect(() => new TieredStore([])).toThrow(StoreConfigurationError);
    expect(() => new TieredStore([memory, memory])).toThrow(StoreConfigurationError);
    expect(() => new TieredStore([memory, {} as KeyValue])).toThrow(TypeError);
    expect(() => new TieredStore([memory], { maxUpperTtl: "soon" })).toThrow(
      StoreConfigurationError,
    );
  });
});

await describeConformance("TieredStore: MemoryStore over MemoryStore", {
  createStore: () => new TieredStore([new MemoryStore(), new MemoryStore()]),
});

await describeConformance("TieredStore: MemoryStore over MemoryStore with maxUpperTtl", {
  createStore: () => new TieredStore([new MemoryStore(), new MemoryStore()], { maxUpperTtl: "1m" }),
});

const redisNamespaces = new WeakMap<KeyValue, string>();

await describeConformance("TieredStore: MemoryStore over RedisStore", {
  createStore: () => {
    const namespace = freshNamespace();
    const store = new TieredStore([new MemoryStore(), redisStore(namespace)]);
    redisNamespaces.set(store, namespace);
    return store;
  },
  createPeer: (store) =>
    new TieredStore([new MemoryStore(), redisStore(redisNamespaces.get(store))]),
});

import {
  type AtomicEntry,
  type Capability,
  type CounterChange,
  capabilityNames,
  type ManagedEntry,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

const EveryCapability: StoreClass<Capability> = storeWith(...capabilityNames);

/**
 * A store whose single reads go through `batchReads` and whose every hook records when the
 * backend would see it: a read when its batch is sent, anything else when its hook runs.
 */
class BatchingStore extends EveryCapability {
  readonly sent: string[] = [];
  private readonly reads = this.batchReads(
    (key: string) => {
      this.sent.push(`read ${key}`);
      return undefined;
    },
    (keys: readonly string[]) => {
      this.sent.push(`read ${keys.join(",")}`);
      return keys.map(() => undefined);
    },
  );

  protected getEntry(_collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.reads.read(key);
  }
  protected putEntry(_collection: string, key: string): Promise<void> {
    return this.record(`put ${key}`, undefined);
  }
  protected override putEntries(
    _collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    return this.record(`putMany ${entries.map(([key]) => key).join(",")}`, undefined);
  }
  protected deleteEntry(_collection: string, key: string): Promise<boolean> {
    return this.record(`delete ${key}`, false);
  }
  protected override getEntries(_collection: string, keys: readonly string[]) {
    return this.record(
      `getMany ${keys.join(",")}`,
      keys.map(() => undefined),
    );
  }
  protected async *enumerateKeys(): AsyncIterable<string> {
    yield* await this.record("keys", []);
  }
  protected async *enumerateCollections(): AsyncIterable<string> {
    yield* await this.record("collections", []);
  }
  protected dropCollection(): Promise<boolean> {
    return this.record("destroyCollection", false);
  }
  protected dropAll(): Promise<boolean> {
    return this.record("destroy", false);
  }
  protected removeExpired(): Promise<void> {
    return this.record("cull", undefined);
  }
  protected release(): Promise<void> {
    return this.record("close", undefined);
  }
  protected atomicEntry(_collection: string, key: string): AtomicEntry {
    const entry = { value: {}, createdAt: undefined, expiresAt: undefined };
    return {
      insert: () => this.record(`putIfAbsent ${key}`, true),
      readVersioned: () => this.record(`getVersioned ${key}`, { entry, version: "1" }),
      replaceVersioned: () => this.record(`putIfVersion ${key}`, false),
      removeVersioned: () => this.record(`deleteIfVersion ${key}`, false),
      touch: () => this.record(`touch ${key}`, false),
    };
  }
  protected addToCounter(_collection: string, key: string, change: CounterChange) {
    return this.record(`increment ${key}`, change.by);
  }

  /** Notes that the backend saw `call`, and answers `result`. */
  private async record<T>(call: string, result: T): Promise<T> {
    this.sent.push(call);
    return result;
  }
}

/** Every call but a single read, each as the backend call it makes. */
const laterCalls: [
  name: string,
  call: (store: BatchingStore, version: string) => Promise<unknown>,
  sent: string,
][] = [
  ["put", (store) => store.put("k", { n: 1 }), "put k"],
  ["putMany", (store) => store.putMany([["k", { n: 1 }]]), "putMany k"],
  ["delete", (store) => store.delete("k"), "delete k"],
  ["deleteMany", (store) => store.deleteMany(["k", "l"]), "delete k"],
  ["getMany", (store) => store.getMany(["k", "l"]), "getMany k,l"],
  ["ttlMany", (store) => store.ttlMany(["k", "l"]), "getMany k,l"],
  ["keys", (store) => store.keys(), "keys"],
  ["collections", (store) => store.collections(), "collections"],
  ["destroyCollection", (store) => store.destroyCollection("c"), "destroyCollection"],
  ["destroy", (store) => store.destroy(), "destroy"],
  ["cull", (store) => store.cull(), "cull"],
  ["putIfAbsent", (store) => store.putIfAbsent("k", { n: 1 }), "putIfAbsent k"],
  ["getVersioned", (store) => store.getVersioned("k"), "getVersioned k"],
  [
    "putIfVersion",
    (store, version) => store.putIfVersion("k", { n: 1 }, version),
    "putIfVersion k",
  ],
  ["deleteIfVersion", (store, version) => store.deleteIfVersion("k", version), "deleteIfVersion k"],
  ["increment", (store) => store.increment("k"), "increment k"],
  ["touch", (store) => store.touch("k", { ttl: 60 }), "touch k"],
  ["readEntries", (store) => store.readEntries(["k", "l"]), "getMany k,l"],
  [
    "writeEntries",
    (store) =>
      store.writeEntries([["k", { value: { n: 1 }, createdAt: undefined, expiresAt: undefined }]]),
    "putMany k",
  ],
  ["close", (store) => store.close(), "close"],
];

describe("batchReads", () => {
  it("sends the single reads of one turn together, one alone by itself", async () => {
    const store = new BatchingStore();
    await store.get("warm");
    await Promise.all([store.get("a"), store.get("b"), store.ttl("c")]);
    expect(store.sent).toEqual(["read warm", "read a,b,c"]);
  });

  it.each(laterCalls)("sends the reads queued before %s ahead of it", async (_name, call, sent) => {
    const store = new BatchingStore();
    const { version } = (await store.getVersioned("k")) ?? { version: "" };
    store.sent.length = 0;
    const reads = Promise.all([store.get("a"), store.get("b")]);
    const later = call(store, version);
    await Promise.all([reads, later]);
    expect(store.sent.slice(0, 2)).toEqual(["read a,b", sent]);
  });
});

import {
  batches,
  type Capability,
  type CollectionOptions,
  capabilityNames,
  deleteListedKeys,
  type Entry,
  isKeyValue,
  type KeyEnumeration,
  type KeysOptions,
  type KeyValue,
  offeredByAll,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

async function* count(to: number): AsyncGenerator<number> {
  for (let n = 1; n <= to; n++) yield n;
}

/** A store of one flat map that lists keys and records every deleteMany call. */
class ListingStore implements KeyValue, KeyEnumeration {
  readonly defaultCollection = "default";
  readonly data = new Map<string, Map<string, unknown>>();
  readonly deleteCalls: string[][] = [];
  #of(options?: CollectionOptions): Map<string, unknown> {
    const collection = options?.collection ?? this.defaultCollection;
    const map = this.data.get(collection) ?? new Map<string, unknown>();
    this.data.set(collection, map);
    return map;
  }
  async get(key: string, options?: CollectionOptions) {
    return this.#of(options).get(key) as Record<string, unknown> | undefined;
  }
  async getMany(keys: readonly string[], options?: CollectionOptions) {
    return Promise.all(keys.map((key) => this.get(key, options)));
  }
  async ttl(key: string, options?: CollectionOptions) {
    return [await this.get(key, options), undefined] as [
      Record<string, unknown> | undefined,
      undefined,
    ];
  }
  async ttlMany(keys: readonly string[], options?: CollectionOptions) {
    return Promise.all(keys.map((key) => this.ttl(key, options)));
  }
  async put(key: string, value: Record<string, unknown>, options?: CollectionOptions) {
    this.#of(options).set(key, value);
  }
  async putMany(entries: readonly Entry[], options?: CollectionOptions) {
    for (const [key, value] of entries) this.#of(options).set(key, value);
  }
  async delete(key: string, options?: CollectionOptions) {
    return this.#of(options).delete(key);
  }
  async deleteMany(keys: readonly string[], options?: CollectionOptions) {
    this.deleteCalls.push([...keys]);
    let removed = 0;
    for (const key of keys) if (this.#of(options).delete(key)) removed++;
    return removed;
  }
  async keys(options?: KeysOptions) {
    return [...this.#of(options).keys()];
  }
  async *iterateKeys(options?: CollectionOptions) {
    yield* [...this.#of(options).keys()];
  }
}

describe("batches", () => {
  it("groups items in order into arrays of the size, the last one shorter", async () => {
    const seen: number[][] = [];
    for await (const batch of batches(count(7), 3)) seen.push(batch);
    expect(seen).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("yields nothing for an empty source and no short batch after a full one", async () => {
    const empty: number[][] = [];
    for await (const batch of batches(count(0), 3)) empty.push(batch);
    expect(empty).toEqual([]);
    const full: number[][] = [];
    for await (const batch of batches(count(4), 2)) full.push(batch);
    expect(full).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe("deleteListedKeys", () => {
  it("deletes every listed key of the collection in batches and counts them", async () => {
    const store = new ListingStore();
    await store.putMany(
      Array.from({ length: 5 }, (_, n): Entry => [`k${n}`, { n }]),
      { collection: "c" },
    );
    await store.put("other", { n: 0 }, { collection: "d" });
    expect(await deleteListedKeys(store, "c", 2)).toBe(5);
    expect(store.deleteCalls.map((call) => call.length)).toEqual([2, 2, 1]);
    expect(await store.keys({ collection: "c" })).toEqual([]);
    expect(await store.keys({ collection: "d" })).toEqual(["other"]);
  });

  it("returns 0 for an empty collection without calling deleteMany", async () => {
    const store = new ListingStore();
    expect(await deleteListedKeys(store, "empty")).toBe(0);
    expect(store.deleteCalls).toEqual([]);
  });
});

describe("isKeyValue", () => {
  it("accepts objects with get and put methods and nothing else", () => {
    expect(isKeyValue(new ListingStore())).toBe(true);
    expect(isKeyValue({ get: () => undefined, put: () => undefined })).toBe(true);
    expect(isKeyValue({ get: () => undefined })).toBe(false);
    expect(isKeyValue({ get: 1, put: 2 })).toBe(false);
    expect(isKeyValue(null)).toBe(false);
    expect(isKeyValue(undefined)).toBe(false);
    expect(isKeyValue("store")).toBe(false);
  });
});

describe("offeredByAll", () => {
  const plain = new ListingStore();
  const closing = Object.assign(new ListingStore(), {
    close: async () => {},
    cull: async () => {},
  }) as KeyValue;
  const offered = (stores: KeyValue[]): Capability[] =>
    capabilityNames.filter((capability) => offeredByAll(stores, capability));

  it("offers a capability every store has", () => {
    expect(offered([plain, plain])).toEqual(["keys"]);
  });

  it("offers cull and close when any store has them, other capabilities only when all do", () => {
    expect(offered([plain, closing]).sort()).toEqual(["close", "cull", "keys"]);
    expect(offered([closing, withoutKeys()]).sort()).toEqual(["close", "cull"]);
  });
});

function withoutKeys(): KeyValue {
  const store = new ListingStore();
  Object.defineProperty(store, "keys", { value: undefined });
  return store;
}

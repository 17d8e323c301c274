import {
  BaseStore,
  BaseWrapper,
  type KeyValue,
  type ManagedEntry,
  type Operation,
  supportsClose,
  supportsCollections,
  supportsCull,
  supportsDestroy,
  supportsDestroyCollection,
  supportsKeys,
  takeFirst,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

class MapStore extends BaseStore {
  readonly data = new Map<string, ManagedEntry>();
  protected async getEntry(collection: string, key: string) {
    return this.data.get(`${collection}/${key}`);
  }
  protected async putEntry(collection: string, key: string, entry: ManagedEntry) {
    this.data.set(`${collection}/${key}`, entry);
  }
  protected async deleteEntry(collection: string, key: string) {
    return this.data.delete(`${collection}/${key}`);
  }
}

/** A store with only key enumeration and close. */
class EnumerableStore extends MapStore {
  closed = 0;
  async keys(options?: { collection?: string; limit?: number }) {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }
  async *iterateKeys(options?: { collection?: string }) {
    const prefix = `${options?.collection ?? this.defaultCollection}/`;
    for (const name of this.data.keys())
      if (name.startsWith(prefix)) yield name.slice(prefix.length);
  }
  async close() {
    this.closed += 1;
  }
}

class PassThrough extends BaseWrapper {}

class Recording extends BaseWrapper {
  readonly seen: string[] = [];
  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: { collection?: string | undefined },
  ): Promise<T> {
    this.seen.push(`${operation}:${options?.collection ?? "-"}`);
    return call(this.store);
  }
}

describe("BaseWrapper", () => {
  it("offers exactly the capabilities of the inner store", () => {
    const plain = new PassThrough(new MapStore());
    expect([supportsKeys(plain), supportsCollections(plain), supportsDestroy(plain)]).toEqual([
      false,
      false,
      false,
    ]);
    expect([supportsDestroyCollection(plain), supportsCull(plain), supportsClose(plain)]).toEqual([
      false,
      false,
      false,
    ]);

    const rich = new PassThrough(new EnumerableStore());
    expect([supportsKeys(rich), supportsClose(rich)]).toEqual([true, true]);
    expect([supportsCollections(rich), supportsDestroy(rich), supportsCull(rich)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("forwards every call and capability to the inner store", async () => {
    const inner = new EnumerableStore();
    const wrapper = new PassThrough(new PassThrough(inner));
    await wrapper.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection: "c" },
    );
    expect(await wrapper.getMany(["a", "b"], { collection: "c" })).toEqual([{ n: 1 }, { n: 2 }]);
    if (!supportsKeys(wrapper) || !supportsClose(wrapper)) throw new Error("capabilities lost");
    expect((await wrapper.keys({ collection: "c" })).sort()).toEqual(["a", "b"]);
    await wrapper[Symbol.asyncDispose]();
    expect(inner.closed).toBe(1);
  });

  it("routes every operation through invoke with its collection", async () => {
    const wrapper = new Recording(new EnumerableStore());
    await wrapper.put("k", { n: 1 }, { collection: "c" });
    await wrapper.get("k");
    await wrapper.ttlMany(["k"], { collection: "c" });
    await wrapper.deleteMany(["k"]);
    if (supportsKeys(wrapper)) await wrapper.keys({ collection: "c" });
    expect(wrapper.seen).toEqual(["put:c", "get:-", "ttlMany:c", "deleteMany:-", "keys:c"]);
  });
});

describe("BaseWrapper defaultCollection", () => {
  it("is the inner store's default collection, through any number of wrappers", () => {
    const wrapper = new PassThrough(new PassThrough(new MapStore({ defaultCollection: "main" })));
    expect(wrapper.defaultCollection).toBe("main");
  });
});

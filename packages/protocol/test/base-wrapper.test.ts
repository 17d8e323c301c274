import {
  BaseStore,
  BaseWrapper,
  type Capability,
  capabilityNames,
  InvalidKeyError,
  InvalidTtlError,
  type KeyValue,
  type ManagedEntry,
  type Operation,
  SerializationError,
  supports,
  supportsEntries,
  takeFirst,
  type Value,
  type ValueLocation,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { CapableMapStore } from "./capable-map-store.ts";

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

/** Stores `{ wrapped: value }`; drops values marked `skip`; hides values marked `hidden`. */
class Boxing extends BaseWrapper {
  readonly locations: string[] = [];
  protected override encodeValue(value: Value, location: ValueLocation): Value | undefined {
    this.locations.push(`${location.operation}:${location.collection}/${location.key}`);
    return value.skip === true ? undefined : { wrapped: value };
  }
  protected override async decodeValue(stored: Value): Promise<Value | undefined> {
    const inner = stored.wrapped as Value;
    return inner.hidden === true ? undefined : inner;
  }
}

/** Prefixes keys with `k:` and collections with `c:`. */
class Prefixing extends BaseWrapper {
  protected override encodeKey(key: string): string {
    return `k:${key}`;
  }
  protected override decodeKey(stored: string): string | undefined {
    return stored.startsWith("k:") ? stored.slice(2) : undefined;
  }
  protected override encodeCollection(collection: string): string {
    return `c:${collection}`;
  }
  protected override decodeCollection(stored: string): string | undefined {
    return stored.startsWith("c:") ? stored.slice(2) : undefined;
  }
}

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

class RecordingPrefixes extends Recording {
  protected override encodeKey(key: string): string {
    return `k:${key}`;
  }
}

describe("BaseWrapper", () => {
  it("offers exactly the capabilities of the inner store", () => {
    const offered = (store: KeyValue): Capability[] =>
      capabilityNames.filter((capability) => supports(store, capability));
    expect(offered(new PassThrough(new MapStore()))).toEqual([]);
    expect(offered(new PassThrough(new EnumerableStore()))).toEqual(["keys", "close"]);
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
    if (!supports(wrapper, "keys") || !supports(wrapper, "close"))
      throw new Error("capabilities lost");
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
    if (supports(wrapper, "keys")) await wrapper.keys({ collection: "c" });
    expect(wrapper.seen).toEqual(["put:c", "get:-", "ttlMany:c", "deleteMany:-", "keys:c"]);
  });

  it.each([
    ["passes values and names through", Recording],
    ["maps names", RecordingPrefixes],
  ])("routes every key and value operation through invoke when it %s", async (_, Wrapper) => {
    const wrapper = new Wrapper(new EnumerableStore());
    await wrapper.put("k", { n: 1 });
    await wrapper.putMany([["m", { n: 2 }]]);
    await wrapper.get("k");
    await wrapper.getMany(["k", "m"]);
    await wrapper.ttl("k");
    await wrapper.ttlMany(["k"]);
    await wrapper.delete("k");
    await wrapper.deleteMany(["m"]);
    expect(wrapper.seen.map((seen) => seen.split(":")[0])).toEqual([
      "put",
      "putMany",
      "get",
      "getMany",
      "ttl",
      "ttlMany",
      "delete",
      "deleteMany",
    ]);
  });
});

describe("BaseWrapper value hooks", () => {
  it("encodes on the way in and decodes on the way out, for single and bulk calls", async () => {
    const inner = new MapStore();
    const wrapper = new Boxing(inner);
    await wrapper.put("a", { n: 1 }, { collection: "c", ttl: 60 });
    await wrapper.putMany([["b", { n: 2 }]]);
    expect(inner.data.get("c/a")?.value).toEqual({ wrapped: { n: 1 } });
    expect(await wrapper.get("a", { collection: "c" })).toEqual({ n: 1 });
    expect(await wrapper.getMany(["b", "missing"])).toEqual([{ n: 2 }, undefined]);
    const [value, ttl] = await wrapper.ttl("a", { collection: "c" });
    expect(value).toEqual({ n: 1 });
    expect(ttl).toBeGreaterThan(59);
    expect(wrapper.locations).toEqual(["put:c/a", "putMany:default_collection/b"]);
  });

  it("drops a write when encodeValue gives undefined, and hides what decodeValue refuses", async () => {
    const inner = new MapStore();
    const wrapper = new Boxing(inner);
    await wrapper.put("skipped", { skip: true });
    await wrapper.putMany([
      ["kept", { n: 1 }],
      ["skipped-too", { skip: true }],
    ]);
    expect([...inner.data.keys()]).toEqual(["default_collection/kept"]);
    await wrapper.put("secret", { hidden: true });
    expect(await wrapper.ttl("secret")).toEqual([undefined, undefined]);
  });

  it("validates input before calling a hook, so bad input gets the typed error", async () => {
    const wrapper = new Boxing(new MapStore());
    await expect(wrapper.put("", { n: 1 })).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(wrapper.put("k", { n: 1 }, { ttl: -1 })).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(wrapper.put("k", { n: 1n })).rejects.toBeInstanceOf(SerializationError);
    expect(wrapper.locations).toEqual([]);
  });
});

describe("BaseWrapper key hooks", () => {
  it("maps keys and collections in every call and maps enumerated names back", async () => {
    const inner = new EnumerableStore();
    const wrapper = new Prefixing(inner);
    await wrapper.put("a", { n: 1 });
    await wrapper.putMany([["b", { n: 2 }]], { collection: "x" });
    await inner.put("foreign", { n: 0 }, { collection: "c:x" });
    expect([...inner.data.keys()].sort()).toEqual([
      "c:default_collection/k:a",
      "c:x/foreign",
      "c:x/k:b",
    ]);
    expect(await wrapper.get("a")).toEqual({ n: 1 });
    expect(await wrapper.getMany(["b"], { collection: "x" })).toEqual([{ n: 2 }]);
    if (!supports(wrapper, "keys")) throw new Error("capability lost");
    expect(await wrapper.keys({ collection: "x" })).toEqual(["b"]);
    const iterated: string[] = [];
    for await (const key of wrapper.iterateKeys({ collection: "x" })) iterated.push(key);
    expect(iterated).toEqual(["b"]);
    expect(await wrapper.delete("b", { collection: "x" })).toBe(true);
    expect(await wrapper.deleteMany(["a"])).toBe(1);
  });
});

describe("BaseWrapper defaultCollection", () => {
  it("is the inner store's default collection, through any number of wrappers", () => {
    const wrapper = new PassThrough(new PassThrough(new MapStore({ defaultCollection: "main" })));
    expect(wrapper.defaultCollection).toBe("main");
  });
});

/** Overrides put itself, as a TTL clamp does. */
class ChangesPut extends BaseWrapper {
  override put(key: string, value: Value): Promise<void> {
    return super.put(key, value, { ttl: 1 });
  }
}

describe("BaseWrapper whole-entry access", () => {
  it("passes entries through the value and name hooks, keeping their timestamps", async () => {
    const inner = new CapableMapStore();
    const wrapper = new Boxing(new Prefixing(inner));
    const entry = { value: { n: 1 }, createdAt: 1000, expiresAt: Date.now() + 60_000 };
    if (!supports(wrapper, "entries")) throw new Error("entries not forwarded");
    await wrapper.writeEntries([["a", entry]], { collection: "x" });
    expect(inner.data.get("c:x/k:a")).toEqual({ ...entry, value: { wrapped: { n: 1 } } });
    expect(await wrapper.readEntries(["a", "b"], { collection: "x" })).toEqual([entry, undefined]);
  });

  it("is not offered by a wrapper that changes a read or write method itself", () => {
    expect(supportsEntries(new ChangesPut(new CapableMapStore()))).toBe(false);
    expect(supportsEntries(new PassThrough(new CapableMapStore()))).toBe(true);
  });

  it("rejects bad input of forwarded calls instead of throwing, and lists after hiding names", async () => {
    const inner = new CapableMapStore();
    const wrapper = new Prefixing(inner);
    if (!supports(wrapper, "keys")) throw new Error("keys not forwarded");
    const listing = wrapper.keys({ collection: "" });
    expect(listing).toBeInstanceOf(Promise);
    await expect(listing).rejects.toBeInstanceOf(InvalidKeyError);
    const deleting = wrapper.delete("", { collection: "x" });
    await expect(deleting).rejects.toBeInstanceOf(InvalidKeyError);
    for (let n = 0; n < 5; n++) await inner.put(`foreign-${n}`, { n }, { collection: "c:x" });
    await wrapper.putMany(
      [
        ["mine", { n: 1 }],
        ["also", { n: 2 }],
      ],
      { collection: "x" },
    );
    expect((await wrapper.keys({ collection: "x", limit: 2 })).sort()).toEqual(["also", "mine"]);
  });
});

import {
  atomicCapabilities,
  type Capabilities,
  type Capability,
  type CollectionDestruction,
  type CollectionEnumeration,
  type CollectionOptions,
  type CollectionsOptions,
  capabilityMethods,
  capabilityNames,
  defaultCollectionOf,
  type Entry,
  isKeyValue,
  type KeyEnumeration,
  type KeysOptions,
  type KeyValue,
  type Operation,
  OptionalCapabilities,
  offeredByAll,
  type PutOptions,
  StoreClosedError,
  StoreConfigurationError,
  supports,
  takeFirst,
  type Value,
  type ValueWithTtl,
  validateCollection,
  validateKey,
  validateTtl,
  validateValue,
  withCollection,
} from "@kv/protocol";
import type { RouteFunction, RoutingWrapperOptions } from "./options.ts";
import { gather, type Split, scatter, splitBy } from "./split.ts";

/** How the router does each capability; one it does not know how to route is not offered. */
type Implementations = { [C in Capability]?: Omit<Capabilities[C], typeof Symbol.asyncDispose> };

/**
 * Sends each call to a store chosen by its collection (`collections`, a map) or by its collection
 * and key (`route`), with `defaultStore` for the rest. Bulk calls are split by route, run
 * concurrently and reassembled in order. Enumeration and destruction span the stores that can
 * hold the collection; `close()` closes every store. Key and collection enumeration and
 * destruction are offered when every store has them, `cull` and `close` when any store does
 * (applied to those that can). The atomic operations (`putIfAbsent`, versioned writes,
 * `increment`, `touch`) are offered when every store has them, each call going to its key's
 * store, which keeps the guarantee.
 */
export class RoutingWrapper extends OptionalCapabilities implements KeyValue {
  /** The collection calls without one go to: the default store's default. */
  readonly defaultCollection: string;

  readonly #defaultStore: KeyValue;
  readonly #byCollection: ReadonlyMap<string, KeyValue> | undefined;
  readonly #route: RouteFunction | undefined;
  /** Every store a call can reach, each once, the default first. */
  readonly #stores: readonly KeyValue[];
  #closed = false;

  /**
   * @throws TypeError when `defaultStore`, a route's store or `route` is not what it should be
   * @throws StoreConfigurationError unless exactly one of `collections` and `route` is given
   * @throws InvalidKeyError for a collection name in `collections` no store accepts
   */
  constructor(options: RoutingWrapperOptions) {
    super();
    const { defaultStore, collections, route, stores = [] } = options;
    if ((collections === undefined) === (route === undefined)) {
      throw new StoreConfigurationError({ message: "Give either collections or route" });
    }
    if (route !== undefined && typeof route !== "function") {
      throw new TypeError("route must be a function of (collection, key)");
    }
    const byCollection =
      collections instanceof Map ? collections : new Map(Object.entries(collections ?? {}));
    for (const name of byCollection.keys()) validateCollection(name);
    const all = [defaultStore, ...byCollection.values(), ...stores];
    if (!all.every(isKeyValue)) throw new TypeError("Every route must be a KeyValue store");
    this.#defaultStore = defaultStore;
    this.#byCollection = route === undefined ? byCollection : undefined;
    this.#route = route;
    this.#stores = [...new Set(all)];
    this.defaultCollection = defaultCollectionOf(defaultStore);
    const implementations: Implementations = {
      keys: { keys: (o) => this.#keys(o), iterateKeys: (o) => this.#iterateKeys(o) },
      collections: {
        collections: (o) => this.#collections(o),
        iterateCollections: () => this.#iterateCollections(),
      },
      destroyCollection: { destroyCollection: (name) => this.#destroyCollection(name) },
      destroy: { destroy: () => this.#everywhere("destroy", (s) => s.destroy()) },
      cull: { cull: () => this.#everywhere("cull", (s) => s.cull()).then(() => undefined) },
      close: { close: () => this.#close() },
    };
    for (const capability of capabilityNames) {
      if (!offeredByAll(this.#stores, capability)) continue;
      if (atomicCapabilities.has(capability)) this.#routeByKey(capability);
      else Object.assign(this, implementations[capability]);
    }
  }

  /** Offers a capability of one key (the atomic operations) by sending each call to its key's store. */
  #routeByKey(capability: Capability): void {
    const self = this as unknown as Record<string, unknown>;
    for (const { name, operation, keyAt = 0, optionsAt = 0 } of capabilityMethods[capability]) {
      self[name] = async (...args: unknown[]) => {
        const given = args[optionsAt] as CollectionOptions | undefined;
        const [store, inner] = this.#one(operation, args[keyAt] as string, given);
        args[optionsAt] = inner;
        return (store as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args);
      };
    }
  }

  /** @inheritdoc */
  async get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    const [store, inner] = this.#one("get", key, options);
    return store.get(key, inner);
  }

  /** @inheritdoc */
  async ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    const [store, inner] = this.#one("ttl", key, options);
    return store.ttl(key, inner);
  }

  /** @inheritdoc */
  async put(key: string, value: Value, options?: PutOptions): Promise<void> {
    const [store, inner] = this.#one("put", key, options);
    return store.put(key, value, inner);
  }

  /** @inheritdoc */
  async delete(key: string, options?: CollectionOptions): Promise<boolean> {
    const [store, inner] = this.#one("delete", key, options);
    return store.delete(key, inner);
  }

  /** @inheritdoc */
  async getMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(Value | undefined)[]> {
    const [split, inner] = this.#split("getMany", keys, options);
    return gather(split, keys, (store, part) => store.getMany(part, inner));
  }

  /** @inheritdoc */
  async ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    const [split, inner] = this.#split("ttlMany", keys, options);
    return gather(split, keys, (store, part) => store.ttlMany(part, inner));
  }

  /** @inheritdoc */
  async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    if (!Array.isArray(entries))
      throw new TypeError("putMany expects an array of [key, value] pairs");
    const keys = this.#route === undefined ? [] : entries.map(([key]) => key);
    const [split, inner] = this.#split("putMany", keys, options);
    if (split instanceof Map) {
      // Several stores: refuse bad input before any of them writes.
      const collection = inner.collection as string;
      validateTtl(options?.ttl, { operation: "putMany", collection });
      for (const [key, value] of entries)
        validateValue(value, { operation: "putMany", collection, key });
    }
    await scatter(split, entries, (store, part) => store.putMany(part, inner));
  }

  /** @inheritdoc */
  async deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    const [split, inner] = this.#split("deleteMany", keys, options);
    const counts = await scatter(split, keys, (store, part) => store.deleteMany(part, inner));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Closes every store that can be closed; a no-op when none can. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.close !== undefined) await this.close();
  }

  /** Refuses calls after `close()`; resolves the call's collection and the options for the store. */
  #target<O extends CollectionOptions>(operation: Operation, options: O | undefined): [string, O] {
    if (this.#closed) throw new StoreClosedError({ operation });
    const named = options?.collection;
    if (named === undefined) {
      const collection = this.defaultCollection;
      return [collection, withCollection(options, collection)];
    }
    validateCollection(named, { operation });
    return [named, options as O];
  }

  #one<O extends CollectionOptions>(
    operation: Operation,
    key: string,
    options: O | undefined,
  ): [KeyValue, O] {
    const [collection, inner] = this.#target(operation, options);
    return [this.#storeOf(operation, collection, key), inner];
  }

  /** The store of one entry (of every entry of the collection when routing by collection). */
  #storeOf(operation: Operation, collection: string, key?: string): KeyValue {
    if (this.#route === undefined) return this.#byCollection?.get(collection) ?? this.#defaultStore;
    validateKey(key, { operation, collection });
    const store = this.#route(collection, key) ?? this.#defaultStore;
    if (this.#stores.includes(store)) return store;
    const message = "route() returned a store that is not listed in stores";
    throw new StoreConfigurationError({ operation, collection, key, message });
  }

  /** Which store takes which keys, decided (and checked) before any store is called. */
  #split<O extends CollectionOptions>(
    operation: Operation,
    keys: readonly string[],
    options: O | undefined,
  ): [Split, O] {
    if (!Array.isArray(keys)) throw new TypeError(`${operation} expects an array of keys`);
    const [collection, inner] = this.#target(operation, options);
    if (this.#route === undefined) return [this.#storeOf(operation, collection), inner];
    const storeOf = (key: string): KeyValue => this.#storeOf(operation, collection, key);
    return [splitBy(keys, storeOf, this.#defaultStore), inner];
  }

  /** The stores that can hold entries of `collection`. */
  #holders(collection: string): readonly KeyValue[] {
    return this.#route === undefined ? [this.#storeOf("keys", collection)] : this.#stores;
  }

  async #keys(options?: KeysOptions): Promise<string[]> {
    const [collection, inner] = this.#target("keys", options);
    if (this.#route !== undefined) return takeFirst(this.#iterateKeys(inner), options?.limit);
    return (this.#storeOf("keys", collection) as KeyValue & KeyEnumeration).keys(inner);
  }

  async *#iterateKeys(options?: CollectionOptions): AsyncGenerator<string, void, undefined> {
    const [collection, inner] = this.#target("keys", options);
    for (const store of this.#holders(collection) as (KeyValue & KeyEnumeration)[]) {
      for await (const key of store.iterateKeys(inner)) {
        // Under a route function a key is listed only by the store it routes to.
        if (this.#route === undefined || this.#storeOf("keys", collection, key) === store)
          yield key;
      }
    }
  }

  #collections(options?: CollectionsOptions): Promise<string[]> {
    return takeFirst(this.#iterateCollections(), options?.limit);
  }

  async *#iterateCollections(): AsyncGenerator<string, void, undefined> {
    this.#target("collections", undefined);
    const seen = new Set<string>();
    for (const store of this.#stores as (KeyValue & CollectionEnumeration)[]) {
      for await (const name of store.iterateCollections()) {
        // Under a map a collection is listed only by its own store.
        if (this.#route === undefined && this.#storeOf("collections", name) !== store) continue;
        if (!seen.has(name)) yield name;
        seen.add(name);
      }
    }
  }

  async #destroyCollection(name: string): Promise<boolean> {
    this.#target("destroyCollection", { collection: name });
    const stores = this.#holders(name) as (KeyValue & CollectionDestruction)[];
    const removed = await Promise.all(stores.map((store) => store.destroyCollection(name)));
    return removed.includes(true);
  }

  /** Runs `call` on every store that has the capability, concurrently; true when any said true. */
  async #everywhere<C extends "destroy" | "cull" | "close">(
    capability: C,
    call: (store: KeyValue & Capabilities[C]) => Promise<unknown>,
  ): Promise<boolean> {
    this.#target(capability, undefined);
    const stores = this.#stores.filter((store) => supports(store, capability));
    const outcomes = await Promise.allSettled(
      stores.map((store) => call(store as KeyValue & Capabilities[C])),
    );
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    return outcomes.some((outcome) => outcome.status === "fulfilled" && outcome.value === true);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    await this.#everywhere("close", (store) => store.close()).finally(() => {
      this.#closed = true;
    });
  }
}

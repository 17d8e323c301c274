import {
  type CollectionDestruction,
  type CollectionEnumeration,
  type CollectionsOptions,
  type Cullable,
  type KeyEnumeration,
  type KeysOptions,
  type StoreDestruction,
  supportsClose,
  supportsCollections,
  supportsCull,
  supportsDestroy,
  supportsDestroyCollection,
  supportsKeys,
} from "./capabilities.ts";
import type { Operation } from "./errors.ts";
import {
  type CollectionOptions,
  DEFAULT_COLLECTION,
  type Entry,
  type KeyValue,
  type PutOptions,
  type Value,
  type ValueWithTtl,
} from "./key-value.ts";

/**
 * The base of every wrapper: implements `KeyValue` by forwarding each call to the inner store
 * through `invoke`, and offers exactly the optional capabilities the inner store has.
 *
 * Control-flow wrappers (retry, fallback, statistics) override only `invoke`; value wrappers
 * (encryption, size limits) override the methods they change and call `super`.
 */
export abstract class BaseWrapper implements KeyValue {
  /** The wrapped store. */
  protected readonly store: KeyValue;
  /** The collection calls without one go to: the inner store's default. */
  readonly defaultCollection: string;

  /** Present when the inner store enumerates keys. */
  declare keys?: KeyEnumeration["keys"];
  /** Present when the inner store enumerates keys. */
  declare iterateKeys?: KeyEnumeration["iterateKeys"];
  /** Present when the inner store enumerates collections. */
  declare collections?: CollectionEnumeration["collections"];
  /** Present when the inner store enumerates collections. */
  declare iterateCollections?: CollectionEnumeration["iterateCollections"];
  /** Present when the inner store destroys collections. */
  declare destroyCollection?: CollectionDestruction["destroyCollection"];
  /** Present when the inner store can be destroyed. */
  declare destroy?: StoreDestruction["destroy"];
  /** Present when the inner store culls expired entries. */
  declare cull?: Cullable["cull"];
  /** Present when the inner store can be closed. */
  declare close?: () => Promise<void>;

  constructor(store: KeyValue) {
    this.store = store;
    this.defaultCollection = defaultCollectionOf(store);
    if (supportsKeys(store)) {
      this.keys = (options?: KeysOptions) =>
        this.invoke("keys", (inner) => capable(inner, supportsKeys, "keys").keys(options), options);
      this.iterateKeys = (options?: CollectionOptions) => store.iterateKeys(options);
    }
    if (supportsCollections(store)) {
      this.collections = (options?: CollectionsOptions) =>
        this.invoke("collections", (inner) =>
          capable(inner, supportsCollections, "collections").collections(options),
        );
      this.iterateCollections = () => store.iterateCollections();
    }
    if (supportsDestroyCollection(store)) {
      this.destroyCollection = (collection: string) =>
        this.invoke(
          "destroyCollection",
          (inner) =>
            capable(inner, supportsDestroyCollection, "destroyCollection").destroyCollection(
              collection,
            ),
          { collection },
        );
    }
    if (supportsDestroy(store)) {
      this.destroy = () =>
        this.invoke("destroy", (inner) => capable(inner, supportsDestroy, "destroy").destroy());
    }
    if (supportsCull(store)) {
      this.cull = () => this.invoke("cull", (inner) => capable(inner, supportsCull, "cull").cull());
    }
    if (supportsClose(store)) {
      this.close = () =>
        this.invoke("close", (inner) => capable(inner, supportsClose, "close").close());
    }
  }

  /**
   * Runs one call against the inner store. Override to add behaviour around every call
   * (retry, fallback, timing). `options` carries the call's collection, when it has one.
   */
  protected invoke<T>(
    _operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    _options?: CollectionOptions,
  ): Promise<T> {
    return call(this.store);
  }

  /** @inheritdoc */
  get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    return this.invoke("get", (store) => store.get(key, options), options);
  }

  /** @inheritdoc */
  getMany(keys: readonly string[], options?: CollectionOptions): Promise<(Value | undefined)[]> {
    return this.invoke("getMany", (store) => store.getMany(keys, options), options);
  }

  /** @inheritdoc */
  ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    return this.invoke("ttl", (store) => store.ttl(key, options), options);
  }

  /** @inheritdoc */
  ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    return this.invoke("ttlMany", (store) => store.ttlMany(keys, options), options);
  }

  /** @inheritdoc */
  put(key: string, value: Value, options?: PutOptions): Promise<void> {
    return this.invoke("put", (store) => store.put(key, value, options), options);
  }

  /** @inheritdoc */
  putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    return this.invoke("putMany", (store) => store.putMany(entries, options), options);
  }

  /** @inheritdoc */
  delete(key: string, options?: CollectionOptions): Promise<boolean> {
    return this.invoke("delete", (store) => store.delete(key, options), options);
  }

  /** @inheritdoc */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    return this.invoke("deleteMany", (store) => store.deleteMany(keys, options), options);
  }

  /** Closes the inner store when it can be closed; a no-op otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.close !== undefined) await this.close();
  }
}

/** Narrows a store that `invoke` handed over to one with the capability being forwarded. */
function capable<C>(
  store: KeyValue,
  guard: (store: KeyValue) => store is KeyValue & C,
  name: string,
): C {
  if (!guard(store)) throw new TypeError(`The store given to invoke() has no ${name}()`);
  return store;
}

/**
 * The collection a store uses for calls that name none: its `defaultCollection` when it has one
 * (every `BaseStore` and `BaseWrapper` does), otherwise `"default_collection"`.
 */
export function defaultCollectionOf(store: KeyValue): string {
  const named = (store as { defaultCollection?: unknown }).defaultCollection;
  return typeof named === "string" ? named : DEFAULT_COLLECTION;
}

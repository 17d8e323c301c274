import {
  type Capability,
  type CapabilityMethod,
  type CollectionDestruction,
  type CollectionEnumeration,
  type Cullable,
  capabilityMethods,
  capabilityNames,
  type KeyEnumeration,
  type StoreDestruction,
  supports,
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
import { validateCollection, validateKey, validateTtl, validateValue } from "./validation.ts";

/** Where a value is going to or coming from, as the wrapper's caller named it. */
export interface ValueLocation {
  /** The collection (the default one when the call named none). */
  readonly collection: string;
  /** The key. */
  readonly key: string;
  /** The call doing it. */
  readonly operation: Operation;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * The base of every wrapper: implements `KeyValue` by forwarding each call to the inner store
 * through `invoke`, and offers exactly the optional capabilities the inner store has (every one
 * in `capabilityMethods`, forwarded through `invoke` too).
 *
 * - Control-flow wrappers (retry, fallback, statistics) override only `invoke`.
 * - Value wrappers (encryption, size limits) implement `encodeValue` and/or `decodeValue`.
 * - Key wrappers (prefixes) implement `encodeKey`/`decodeKey` and/or `encodeCollection`/`decodeCollection`.
 *
 * When any hook is implemented, input is validated before it is transformed, so bad input still
 * gets the protocol's typed errors and nothing is written.
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

  /**
   * Transforms a value on its way to the inner store. Return `undefined` to drop the write
   * (the call then succeeds without writing). Throw a `KeyValueError` to refuse it.
   */
  protected encodeValue?(value: Value, location: ValueLocation): MaybePromise<Value | undefined>;
  /** Transforms a value read from the inner store; `undefined` makes it read as missing. */
  protected decodeValue?(stored: Value, location: ValueLocation): MaybePromise<Value | undefined>;
  /** Maps a key on its way in. Must be injective within a collection. */
  protected encodeKey?(key: string, collection: string): string;
  /** Maps an enumerated key back; `undefined` hides it (it is not one this wrapper wrote). */
  protected decodeKey?(stored: string, collection: string): string | undefined;
  /** Maps a collection name on its way in. Must be injective. */
  protected encodeCollection?(collection: string): string;
  /** Maps an enumerated collection back; `undefined` hides it. */
  protected decodeCollection?(stored: string): string | undefined;

  readonly #mapsKeys: boolean;
  readonly #transforms: boolean;

  constructor(store: KeyValue) {
    this.store = store;
    this.defaultCollection = defaultCollectionOf(store);
    this.#mapsKeys = this.encodeKey !== undefined || this.encodeCollection !== undefined;
    this.#transforms =
      this.#mapsKeys || this.encodeValue !== undefined || this.decodeValue !== undefined;
    const self = this as unknown as Record<string, unknown>;
    for (const capability of capabilityNames) {
      if (!supports(store, capability)) continue;
      for (const method of capabilityMethods[capability]) {
        self[method.name] = this.#forward(capability, method);
      }
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
    if (!this.#transforms) return this.invoke("get", (store) => store.get(key, options), options);
    return this.#readOne("get", key, options).then(([value]) => value);
  }

  /** @inheritdoc */
  getMany(keys: readonly string[], options?: CollectionOptions): Promise<(Value | undefined)[]> {
    if (!this.#transforms) {
      return this.invoke("getMany", (store) => store.getMany(keys, options), options);
    }
    return this.#readMany("getMany", keys, options).then((read) => read.map(([value]) => value));
  }

  /** @inheritdoc */
  ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    if (!this.#transforms) return this.invoke("ttl", (store) => store.ttl(key, options), options);
    return this.#readOne("ttl", key, options);
  }

  /** @inheritdoc */
  ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    if (!this.#transforms) {
      return this.invoke("ttlMany", (store) => store.ttlMany(keys, options), options);
    }
    return this.#readMany("ttlMany", keys, options);
  }

  /** @inheritdoc */
  put(key: string, value: Value, options?: PutOptions): Promise<void> {
    if (!this.#transforms) {
      return this.invoke("put", (store) => store.put(key, value, options), options);
    }
    return this.#putMany("put", [[key, value]], options);
  }

  /** @inheritdoc */
  putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    if (!this.#transforms) {
      return this.invoke("putMany", (store) => store.putMany(entries, options), options);
    }
    return this.#putMany("putMany", entries, options);
  }

  /** @inheritdoc */
  delete(key: string, options?: CollectionOptions): Promise<boolean> {
    if (!this.#mapsKeys) {
      return this.invoke("delete", (store) => store.delete(key, options), options);
    }
    const target = this.#target("delete", options);
    validateKey(key, { operation: "delete", collection: target.collection });
    const inner = this.#innerKey(key, target.collection);
    return this.invoke("delete", (store) => store.delete(inner, target.options), options);
  }

  /** @inheritdoc */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    if (!this.#mapsKeys) {
      return this.invoke("deleteMany", (store) => store.deleteMany(keys, options), options);
    }
    const target = this.#target("deleteMany", options);
    const inner = this.#innerKeys("deleteMany", keys, target.collection);
    return this.invoke("deleteMany", (store) => store.deleteMany(inner, target.options), options);
  }

  /** Closes the inner store when it can be closed; a no-op otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.close !== undefined) await this.close();
  }

  /** The collection a call targets (validated) and the options to hand the inner store. */
  #target<O extends CollectionOptions>(
    operation: Operation,
    options: O | undefined,
  ): { collection: string; options: O | undefined } {
    const named = options?.collection;
    if (named !== undefined) validateCollection(named, { operation });
    const collection = named ?? this.defaultCollection;
    if (this.encodeCollection === undefined) return { collection, options };
    return {
      collection,
      options: { ...options, collection: this.encodeCollection(collection) } as O,
    };
  }

  #innerKey(key: string, collection: string): string {
    return this.encodeKey === undefined ? key : this.encodeKey(key, collection);
  }

  #innerKeys(operation: Operation, keys: readonly string[], collection: string): string[] {
    if (!Array.isArray(keys)) throw new TypeError(`${operation} expects an array of keys`);
    for (const key of keys) validateKey(key, { operation, collection });
    return keys.map((key) => this.#innerKey(key, collection));
  }

  async #readOne(
    operation: "get" | "ttl",
    key: string,
    options: CollectionOptions | undefined,
  ): Promise<ValueWithTtl> {
    const target = this.#target(operation, options);
    validateKey(key, { operation, collection: target.collection });
    const inner = this.#innerKey(key, target.collection);
    const read = await this.invoke(
      operation,
      (store): Promise<ValueWithTtl> =>
        operation === "ttl"
          ? store.ttl(inner, target.options)
          : store.get(inner, target.options).then((value) => [value, undefined]),
      options,
    );
    return this.#decoded(read, { operation, collection: target.collection, key });
  }

  async #readMany(
    operation: "getMany" | "ttlMany",
    keys: readonly string[],
    options: CollectionOptions | undefined,
  ): Promise<ValueWithTtl[]> {
    const target = this.#target(operation, options);
    const inner = this.#innerKeys(operation, keys, target.collection);
    const read = await this.invoke(
      operation,
      (store): Promise<ValueWithTtl[]> =>
        operation === "ttlMany"
          ? store.ttlMany(inner, target.options)
          : store
              .getMany(inner, target.options)
              .then((values) => values.map((value): ValueWithTtl => [value, undefined])),
      options,
    );
    const { collection } = target;
    return Promise.all(
      read.map((found, index) =>
        this.#decoded(found, { operation, collection, key: keys[index] as string }),
      ),
    );
  }

  async #decoded([stored, ttl]: ValueWithTtl, location: ValueLocation): Promise<ValueWithTtl> {
    if (stored === undefined || this.decodeValue === undefined) return [stored, ttl];
    const value = await this.decodeValue(stored, location);
    return value === undefined ? [undefined, undefined] : [value, ttl];
  }

  async #putMany(
    operation: "put" | "putMany",
    entries: readonly Entry[],
    options: PutOptions | undefined,
  ): Promise<void> {
    const target = this.#target(operation, options);
    const { collection } = target;
    validateTtl(options?.ttl, { operation, collection });
    if (!Array.isArray(entries)) {
      throw new TypeError("putMany expects an array of [key, value] pairs");
    }
    for (const [key, value] of entries) {
      validateKey(key, { operation, collection, key });
      validateValue(value, { operation, collection, key });
    }
    const encoded = await Promise.all(
      entries.map(async ([key, value]): Promise<Entry | undefined> => {
        const stored =
          this.encodeValue === undefined
            ? value
            : await this.encodeValue(value, { operation, collection, key });
        return stored === undefined ? undefined : [this.#innerKey(key, collection), stored];
      }),
    );
    const kept = encoded.filter((entry) => entry !== undefined);
    if (operation === "put") {
      const [entry] = kept;
      if (entry === undefined) return;
      await this.invoke(
        operation,
        (store) => store.put(entry[0], entry[1], target.options),
        options,
      );
      return;
    }
    if (kept.length === 0 && entries.length > 0) return;
    await this.invoke(operation, (store) => store.putMany(kept, target.options), options);
  }

  /** The forwarding function of one capability method, through `invoke` and the key hooks. */
  #forward(capability: Capability, method: CapabilityMethod): (...args: unknown[]) => unknown {
    const { name, operation } = method;
    const call =
      (args: unknown[]) =>
      (store: KeyValue): unknown => {
        if (!supports(store, capability)) {
          throw new TypeError(`The store given to invoke() has no ${name}()`);
        }
        return (store as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args);
      };
    return (...args: unknown[]) => {
      const { options, collection } = this.#capabilityArguments(method, args);
      if (method.iterates) {
        const source = call(args)(this.store) as AsyncIterable<string>;
        return this.#mapsKeys ? this.#decodeNames(operation, source, collection) : source;
      }
      const result = this.invoke(
        operation,
        call(args) as (s: KeyValue) => Promise<unknown>,
        options,
      );
      if (!this.#mapsKeys || (operation !== "keys" && operation !== "collections")) return result;
      return (result as Promise<string[]>).then((names) =>
        names.flatMap((stored) => this.#decodeName(operation, stored, collection) ?? []),
      );
    };
  }

  /**
   * Rewrites a capability call's arguments for the inner store (the collection encoded) and
   * says which collection it targets.
   */
  #capabilityArguments(
    method: CapabilityMethod,
    args: unknown[],
  ): { options: CollectionOptions | undefined; collection: string } {
    if (method.collectionAt !== undefined) {
      const collection = args[method.collectionAt] as string;
      if (this.encodeCollection !== undefined) {
        validateCollection(collection, { operation: method.operation });
        args[method.collectionAt] = this.encodeCollection(collection);
      }
      return { options: { collection }, collection };
    }
    if (method.optionsAt === undefined) return { options: undefined, collection: "" };
    const given = args[method.optionsAt] as CollectionOptions | undefined;
    const target = this.#target(method.operation, given);
    args[method.optionsAt] = target.options;
    return { options: given, collection: target.collection };
  }

  #decodeName(operation: Operation, stored: string, collection: string): string | undefined {
    if (operation === "collections") {
      return this.decodeCollection === undefined ? stored : this.decodeCollection(stored);
    }
    return this.decodeKey === undefined ? stored : this.decodeKey(stored, collection);
  }

  async *#decodeNames(
    operation: Operation,
    source: AsyncIterable<string>,
    collection: string,
  ): AsyncGenerator<string, void, undefined> {
    for await (const stored of source) {
      const name = this.#decodeName(operation, stored, collection);
      if (name !== undefined) yield name;
    }
  }
}

/**
 * The collection a store uses for calls that name none: its `defaultCollection` when it has one
 * (every `BaseStore` and `BaseWrapper` does), otherwise `"default_collection"`.
 */
export function defaultCollectionOf(store: KeyValue): string {
  const named = (store as { defaultCollection?: unknown }).defaultCollection;
  return typeof named === "string" ? named : DEFAULT_COLLECTION;
}

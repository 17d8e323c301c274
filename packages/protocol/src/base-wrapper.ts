import {
  type ConditionalVersions,
  counterValue,
  type IncrementOptions,
  nextCount,
  type PutIfAbsent,
  resolveIncrement,
  type VersionedValue,
} from "./atomic.ts";
import { withCollection } from "./call-options.ts";
import {
  atomicCapabilities,
  type Capability,
  type CapabilityMethod,
  capabilityMethods,
  capabilityNames,
  type EntryAccess,
  OptionalCapabilities,
  supports,
  takeFirst,
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
import type { ManagedEntry } from "./managed-entry.ts";
import { isPromiseLike, type MaybePromise } from "./maybe-promise.ts";
import { systemNameOf } from "./tracing.ts";
import { updateWithRetry } from "./update-with-retry.ts";
import {
  targetCollection,
  validateCollection,
  validateKey,
  validateKeys,
  validateTtl,
  validateValue,
} from "./validation.ts";

/** Where a value is going to or coming from, as the wrapper's caller named it. */
export interface ValueLocation {
  /** The collection (the default one when the call named none). */
  readonly collection: string;
  /** The key. */
  readonly key: string;
  /** The call doing it. */
  readonly operation: Operation;
}

/**
 * The base of every wrapper: implements `KeyValue` by forwarding each call to the inner store
 * through `invoke`, and offers exactly the optional capabilities the inner store has (every one
 * in `capabilityMethods`, forwarded through `invoke` too; `entries` only while the wrapper
 * overrides no data method).
 *
 * - Control-flow wrappers (retry, fallback, statistics) override only `invoke`.
 * - Value wrappers (encryption, size limits) implement `encodeValue` and/or `decodeValue`.
 * - Key wrappers (prefixes) implement `encodeKey`/`decodeKey` and/or `encodeCollection`/`decodeCollection`.
 *
 * When any hook is implemented, input is validated before it is transformed, so bad input still
 * gets the protocol's typed errors and nothing is written.
 */
export abstract class BaseWrapper extends OptionalCapabilities implements KeyValue {
  /** The wrapped store. */
  protected readonly store: KeyValue;
  /** The collection calls without one go to: the inner store's default. */
  readonly defaultCollection: string;

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
  /**
   * Maps a collection name on its way in. Must be injective, and give the same name every time:
   * the default collection's is mapped once and remembered.
   */
  protected encodeCollection?(collection: string): string;
  /** Maps an enumerated collection back; `undefined` hides it. */
  protected decodeCollection?(stored: string): string | undefined;

  readonly #mapsKeys: boolean;
  readonly #transformsReads: boolean;
  readonly #transformsWrites: boolean;
  /** The inner store's options for calls that name no collection, once `encodeCollection` made them. */
  #defaultTarget: CollectionOptions | undefined;

  constructor(store: KeyValue) {
    super();
    this.store = store;
    this.defaultCollection = defaultCollectionOf(store);
    this.#mapsKeys = this.encodeKey !== undefined || this.encodeCollection !== undefined;
    this.#transformsReads = this.#mapsKeys || this.decodeValue !== undefined;
    this.#transformsWrites = this.#mapsKeys || this.encodeValue !== undefined;
    const self = this as unknown as Record<string, unknown>;
    for (const capability of capabilityNames) {
      if (!supports(store, capability)) continue;
      if (atomicCapabilities.has(capability)) {
        if (this.#changesDataMethods()) continue;
        if (capability === "increment" && this.#transformsValues()) {
          if (supports(store, "versions") && supports(store, "putIfAbsent")) {
            self.increment = (key: string, options?: IncrementOptions) =>
              this.#incrementByVersions(key, options);
          }
          continue;
        }
      }
      if (capability === "entries") {
        if (this.#changesDataMethods()) continue;
        if (this.#transformsReads || this.#transformsWrites) {
          self.readEntries = (keys: readonly string[], options?: CollectionOptions) =>
            this.#readEntries(keys, options);
          self.writeEntries = (
            entries: readonly (readonly [string, ManagedEntry])[],
            options?: CollectionOptions,
          ) => this.#writeEntries(entries, options);
          continue;
        }
      }
      for (const method of capabilityMethods[capability]) {
        self[method.name] = this.#forward(capability, method);
      }
    }
  }

  /** True when values change on their way through (so a stored counter is not this wrapper's). */
  #transformsValues(): boolean {
    return this.encodeValue !== undefined || this.decodeValue !== undefined;
  }

  /**
   * `increment` where the inner store holds values this wrapper transformed (an encrypted
   * counter is no counter to the store): a versioned read-modify-write through this wrapper,
   * retried on conflict a bounded number of times.
   */
  async #incrementByVersions(key: string, options: IncrementOptions = {}): Promise<number> {
    const { collection: named, refreshTtl, ttl } = options;
    const collection = this.#collectionOf("increment", options);
    validateKey(key, { operation: "increment", collection });
    const by = resolveIncrement(options.by);
    validateTtl(ttl, { operation: "increment", collection, key });
    const self = this as unknown as ConditionalVersions & PutIfAbsent;
    let count = 0;
    await updateWithRetry(
      {
        getVersioned: (k, o) => self.getVersioned(k, o),
        putIfAbsent: (k, v, o) => self.putIfAbsent(k, v, { ...o, ttl }),
        putIfVersion: (k, v, version, o) =>
          self.putIfVersion(k, v, version, refreshTtl === true ? { ...o, ttl } : o),
        deleteIfVersion: (k, version, o) => self.deleteIfVersion(k, version, o),
      },
      key,
      (current) => {
        count = nextCount(current, by, { operation: "increment", collection, key });
        return counterValue(count);
      },
      { collection: named, attempts: 50, backoffMs: 1 },
    );
    return count;
  }

  /**
   * True when a subclass overrides a read or write method itself: whole-entry access would then
   * go around what it does (a TTL clamp, a route), so the `entries` capability is not passed on.
   */
  #changesDataMethods(): boolean {
    const base = BaseWrapper.prototype;
    return (["get", "getMany", "ttl", "ttlMany", "put", "putMany"] as const).some(
      (name) => this[name] !== base[name],
    );
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
    if (!this.#transformsReads) {
      return this.invoke("get", (store) => store.get(key, options), options);
    }
    try {
      return this.#get(key, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  getMany(keys: readonly string[], options?: CollectionOptions): Promise<(Value | undefined)[]> {
    if (!this.#transformsReads) {
      return this.invoke("getMany", (store) => store.getMany(keys, options), options);
    }
    try {
      return this.#getMany(keys, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    if (!this.#transformsReads) {
      return this.invoke("ttl", (store) => store.ttl(key, options), options);
    }
    try {
      return this.#ttl(key, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    if (!this.#transformsReads) {
      return this.invoke("ttlMany", (store) => store.ttlMany(keys, options), options);
    }
    try {
      return this.#ttlMany(keys, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  put(key: string, value: Value, options?: PutOptions): Promise<void> {
    if (!this.#transformsWrites) {
      return this.invoke("put", (store) => store.put(key, value, options), options);
    }
    try {
      return this.#put(key, value, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    if (!this.#transformsWrites) {
      return this.invoke("putMany", (store) => store.putMany(entries, options), options);
    }
    try {
      return this.#putMany(entries, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  delete(key: string, options?: CollectionOptions): Promise<boolean> {
    if (!this.#mapsKeys) {
      return this.invoke("delete", (store) => store.delete(key, options), options);
    }
    try {
      return this.#delete(key, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    if (!this.#mapsKeys) {
      return this.invoke("deleteMany", (store) => store.deleteMany(keys, options), options);
    }
    try {
      return this.#deleteMany(keys, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The backend of the inner store (its `systemName`), when it names one. */
  get systemName(): string | undefined {
    return systemNameOf(this.store);
  }

  /** Closes the inner store when it can be closed; a no-op otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.close !== undefined) await this.close();
  }

  /** The collection a call targets (checked): the one its options name, or the default. */
  #collectionOf(operation: Operation, options: CollectionOptions | undefined): string {
    return targetCollection(options, this.defaultCollection, operation);
  }

  /** The options to hand the inner store for a call on `collection`: aimed at its encoded name. */
  #innerOptions<O extends CollectionOptions>(
    options: O | undefined,
    collection: string,
  ): O | undefined {
    if (this.encodeCollection === undefined) return options;
    if (options === undefined) {
      this.#defaultTarget ??= Object.freeze({ collection: this.encodeCollection(collection) });
      return this.#defaultTarget as O;
    }
    const inner = this.encodeCollection(collection);
    return inner === options.collection ? options : withCollection(options, inner);
  }

  #innerKey(key: string, collection: string): string {
    return this.encodeKey === undefined ? key : this.encodeKey(key, collection);
  }

  #innerKeys(operation: Operation, keys: readonly string[], collection: string): string[] {
    validateKeys(keys, { operation, collection });
    return keys.map((key) => this.#innerKey(key, collection));
  }

  // The data paths below return the inner store's promise rather than awaiting it: an `async`
  // method allocates a suspended frame on every call, a large share of a call to an in-memory
  // store. Their public methods turn a synchronous throw into a rejection.

  #delete(key: string, options: CollectionOptions | undefined): Promise<boolean> {
    const collection = this.#collectionOf("delete", options);
    const inner = this.#innerOptions(options, collection);
    validateKey(key, { operation: "delete", collection });
    const innerKey = this.#innerKey(key, collection);
    return this.invoke("delete", (store) => store.delete(innerKey, inner), options);
  }

  #deleteMany(keys: readonly string[], options: CollectionOptions | undefined): Promise<number> {
    const collection = this.#collectionOf("deleteMany", options);
    const inner = this.#innerOptions(options, collection);
    const innerKeys = this.#innerKeys("deleteMany", keys, collection);
    return this.invoke("deleteMany", (store) => store.deleteMany(innerKeys, inner), options);
  }

  async #readEntries(
    keys: readonly string[],
    options: CollectionOptions | undefined,
  ): Promise<(ManagedEntry | undefined)[]> {
    const collection = this.#collectionOf("readEntries", options);
    const inner = this.#innerOptions(options, collection);
    const innerKeys = this.#innerKeys("readEntries", keys, collection);
    const stored = await this.invoke(
      "readEntries",
      (store) => (store as KeyValue & EntryAccess).readEntries(innerKeys, inner),
      options,
    );
    return settle(
      stored.map((entry, index) => {
        if (entry === undefined) return undefined;
        const location = {
          operation: "readEntries",
          collection,
          key: keys[index] as string,
        } as const;
        const decoded = this.#decode(entry.value, location);
        const withValue = (value: Value | undefined) =>
          value === undefined ? undefined : { ...entry, value };
        return isPromiseLike(decoded) ? decoded.then(withValue) : withValue(decoded);
      }),
    );
  }

  async #writeEntries(
    entries: readonly (readonly [string, ManagedEntry])[],
    options: CollectionOptions | undefined,
  ): Promise<void> {
    const collection = this.#collectionOf("writeEntries", options);
    const inner = this.#innerOptions(options, collection);
    if (!Array.isArray(entries)) throw new TypeError("writeEntries expects [key, entry] pairs");
    const values = await settle(
      entries.map(([key, entry]) =>
        this.#encode(entry?.value, { operation: "writeEntries", collection, key }),
      ),
    );
    const kept: [string, ManagedEntry][] = [];
    for (const [index, value] of values.entries()) {
      const [key, entry] = entries[index] as readonly [string, ManagedEntry];
      if (value !== undefined) kept.push([this.#innerKey(key, collection), { ...entry, value }]);
    }
    if (kept.length === 0 && entries.length > 0) return;
    await this.invoke(
      "writeEntries",
      (store) => (store as KeyValue & EntryAccess).writeEntries(kept, inner),
      options,
    );
  }

  #get(key: string, options: CollectionOptions | undefined): Promise<Value | undefined> {
    const collection = this.#collectionOf("get", options);
    const inner = this.#innerOptions(options, collection);
    validateKey(key, { operation: "get", collection });
    const innerKey = this.#innerKey(key, collection);
    const stored = this.invoke("get", (store) => store.get(innerKey, inner), options);
    if (this.decodeValue === undefined) return stored;
    return stored.then((value) => this.#decode(value, { operation: "get", collection, key }));
  }

  #getMany(
    keys: readonly string[],
    options: CollectionOptions | undefined,
  ): Promise<(Value | undefined)[]> {
    const collection = this.#collectionOf("getMany", options);
    const inner = this.#innerOptions(options, collection);
    const innerKeys = this.#innerKeys("getMany", keys, collection);
    const stored = this.invoke("getMany", (store) => store.getMany(innerKeys, inner), options);
    if (this.decodeValue === undefined) return stored;
    return stored.then((values) =>
      settle(
        values.map((value, index) =>
          this.#decode(value, { operation: "getMany", collection, key: keys[index] as string }),
        ),
      ),
    );
  }

  #ttl(key: string, options: CollectionOptions | undefined): Promise<ValueWithTtl> {
    const collection = this.#collectionOf("ttl", options);
    const inner = this.#innerOptions(options, collection);
    validateKey(key, { operation: "ttl", collection });
    const innerKey = this.#innerKey(key, collection);
    const stored = this.invoke("ttl", (store) => store.ttl(innerKey, inner), options);
    if (this.decodeValue === undefined) return stored;
    return stored.then(async ([value, ttl]): Promise<ValueWithTtl> => {
      const decoded = await this.#decode(value, { operation: "ttl", collection, key });
      return decoded === undefined ? [undefined, undefined] : [decoded, ttl];
    });
  }

  #ttlMany(
    keys: readonly string[],
    options: CollectionOptions | undefined,
  ): Promise<ValueWithTtl[]> {
    const collection = this.#collectionOf("ttlMany", options);
    const inner = this.#innerOptions(options, collection);
    const innerKeys = this.#innerKeys("ttlMany", keys, collection);
    const stored = this.invoke("ttlMany", (store) => store.ttlMany(innerKeys, inner), options);
    if (this.decodeValue === undefined) return stored;
    return stored.then(async (pairs) => {
      const values = await settle(
        pairs.map(([value], index) =>
          this.#decode(value, { operation: "ttlMany", collection, key: keys[index] as string }),
        ),
      );
      return values.map(
        (value, index): ValueWithTtl =>
          value === undefined ? [undefined, undefined] : [value, pairs[index]?.[1]],
      );
    });
  }

  #decode(
    stored: Value | undefined,
    location: ValueLocation,
  ): Value | undefined | Promise<Value | undefined> {
    if (stored === undefined || this.decodeValue === undefined) return stored;
    return this.decodeValue(stored, location);
  }

  #encode(value: Value, location: ValueLocation): Value | undefined | Promise<Value | undefined> {
    validateKey(location.key, location);
    validateValue(value, location);
    return this.encodeValue === undefined ? value : this.encodeValue(value, location);
  }

  #put(key: string, value: Value, options: PutOptions | undefined): Promise<void> {
    const collection = this.#collectionOf("put", options);
    const inner = this.#innerOptions(options, collection);
    const location: ValueLocation = { operation: "put", collection, key };
    validateTtl(options?.ttl, location);
    const stored = this.#encode(value, location);
    if (isPromiseLike(stored)) {
      return stored.then((encoded) => this.#putEncoded(key, encoded, collection, inner, options));
    }
    return this.#putEncoded(key, stored, collection, inner, options);
  }

  /** The inner store's `put` of an encoded value; none when the encoding dropped it. */
  #putEncoded(
    key: string,
    stored: Value | undefined,
    collection: string,
    inner: PutOptions | undefined,
    options: PutOptions | undefined,
  ): Promise<void> {
    if (stored === undefined) return Promise.resolve();
    const innerKey = this.#innerKey(key, collection);
    return this.invoke("put", (store) => store.put(innerKey, stored, inner), options);
  }

  #putMany(entries: readonly Entry[], options: PutOptions | undefined): Promise<void> {
    const collection = this.#collectionOf("putMany", options);
    const inner = this.#innerOptions(options, collection);
    validateTtl(options?.ttl, { operation: "putMany", collection });
    if (!Array.isArray(entries)) {
      throw new TypeError("putMany expects an array of [key, value] pairs");
    }
    const stored = settle(
      entries.map(([key, value]) => this.#encode(value, { operation: "putMany", collection, key })),
    );
    if (isPromiseLike(stored)) {
      return stored.then((values) =>
        this.#putManyEncoded(entries, values, collection, inner, options),
      );
    }
    return this.#putManyEncoded(entries, stored, collection, inner, options);
  }

  /** The inner store's `putMany` of the values that encoded to something. */
  #putManyEncoded(
    entries: readonly Entry[],
    values: readonly (Value | undefined)[],
    collection: string,
    inner: PutOptions | undefined,
    options: PutOptions | undefined,
  ): Promise<void> {
    const kept: Entry[] = [];
    for (const [index, value] of values.entries()) {
      const key = (entries[index] as Entry)[0];
      if (value !== undefined) kept.push([this.#innerKey(key, collection), value]);
    }
    if (kept.length === 0 && entries.length > 0) return Promise.resolve();
    return this.invoke("putMany", (store) => store.putMany(kept, inner), options);
  }

  /**
   * The forwarding function of one capability method, through `invoke` and the name hooks. Bad
   * input rejects (or, for iterators, throws on the first read) like the store's own methods.
   */
  #forward(capability: Capability, method: CapabilityMethod): (...args: unknown[]) => unknown {
    const { name, operation } = method;
    const call =
      (args: unknown[]) =>
      (store: KeyValue): Promise<unknown> => {
        if (!supports(store, capability)) {
          throw new TypeError(`The store given to invoke() has no ${name}()`);
        }
        const target = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
        return target[name]?.(...args) as Promise<unknown>;
      };
    if (method.iterates) {
      const self = this;
      return async function* forwardIteration(...args: unknown[]) {
        const { collection } = self.#capabilityArguments(method, args);
        const source = call(args)(self.store) as unknown as AsyncIterable<string>;
        yield* self.#mapsKeys ? self.#decodeNames(operation, source, collection) : source;
      };
    }
    const lists = operation === "keys" || operation === "collections";
    const transforms =
      method.keyAt !== undefined && (this.#transformsReads || this.#transformsWrites);
    return async (...args: unknown[]) => {
      if (lists && this.#mapsKeys) return this.#listDecoded(method, args);
      const { options, collection } = this.#capabilityArguments(method, args);
      if (!transforms) return this.invoke(operation, call(args), options);
      const key = args[method.keyAt as number] as string;
      const location: ValueLocation = { operation, collection, key };
      validateKey(key, location);
      validateTtl((options as PutOptions | undefined)?.ttl, location);
      if (method.valueAt !== undefined) {
        const stored = await this.#encode(args[method.valueAt] as Value, location);
        if (stored === undefined) return false;
        args[method.valueAt] = stored;
      }
      args[method.keyAt as number] = this.#innerKey(key, collection);
      const result = await this.invoke(operation, call(args), options);
      if (!method.readsValue || result === undefined) return result;
      const versioned = result as VersionedValue;
      const value = await this.#decode(versioned.value, location);
      return value === undefined ? undefined : { ...versioned, value };
    };
  }

  /**
   * `keys()` or `collections()` through the name hooks: the decoded names of the matching
   * iterator, so names the wrapper hides never count against `limit`.
   */
  #listDecoded(method: CapabilityMethod, args: unknown[]): Promise<string[]> {
    const given = (args[0] ?? {}) as { limit?: number; collection?: string };
    const iterate = (this as unknown as Record<string, (o?: object) => AsyncIterable<string>>)[
      method.operation === "keys" ? "iterateKeys" : "iterateCollections"
    ];
    if (iterate === undefined) throw new TypeError(`No iterator to list ${method.operation}`);
    const { limit, ...rest } = given;
    return this.invoke(
      method.operation,
      () => takeFirst(iterate.call(this, method.operation === "keys" ? rest : undefined), limit),
      method.operation === "keys" ? rest : undefined,
    );
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
    const collection = this.#collectionOf(method.operation, given);
    args[method.optionsAt] = this.#innerOptions(given, collection);
    return { options: given, collection };
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

/** The values, awaiting only when one of them is a promise (most hooks are synchronous). */
function settle<T>(items: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  return items.some(isPromiseLike) ? Promise.all(items) : (items as T[]);
}

/**
 * The collection a store uses for calls that name none: its `defaultCollection` when it has one
 * (every `BaseStore` and `BaseWrapper` does), otherwise `"default_collection"`.
 */
export function defaultCollectionOf(store: KeyValue): string {
  const named = (store as { defaultCollection?: unknown }).defaultCollection;
  return typeof named === "string" ? named : DEFAULT_COLLECTION;
}

/**
 * The rest of a stored key or collection name after `head`, for a wrapper that prefixes names;
 * `undefined` when the name does not start with `head` or holds nothing after it (it is not one
 * the wrapper wrote).
 */
export function afterPrefix(stored: string, head: string): string | undefined {
  return stored.length > head.length && stored.startsWith(head)
    ? stored.slice(head.length)
    : undefined;
}

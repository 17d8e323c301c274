import {
  BaseWrapper,
  type CollectionOptions,
  capabilityMethods,
  type Entry,
  type KeyValue,
  type Operation,
  type PutOptions,
  resolveTtl,
  StoreConfigurationError,
  supports,
  supportsClose,
  supportsCull,
  targetCollection,
  type Value,
  type ValueWithTtl,
  validateKeys,
} from "@kv/protocol";
import { CacheLayer } from "./cache-layer.ts";
import type { PassthroughCacheWrapperOptions } from "./options.ts";

/**
 * A read-through cache in front of a slower primary store. Reads try the cache, take the misses
 * from the primary in one call and fill the cache with each entry's remaining TTL, so the cache
 * never holds an entry past its expiry. Writes and deletes invalidate the cache, then go to the
 * primary. A failing cache never fails a read: the read falls through to the primary.
 *
 * Capabilities follow the primary; `destroyCollection` and `destroy` clear the cache too (and
 * are offered only when the cache has them), `cull` culls both, `close` closes both.
 */
export class PassthroughCacheWrapper extends BaseWrapper {
  readonly #layer: CacheLayer;

  /**
   * @throws StoreConfigurationError when the cache is the primary itself; RangeError when
   * `maxCacheTtl` is not a valid TTL
   */
  constructor(primary: KeyValue, cache: KeyValue, options: PassthroughCacheWrapperOptions = {}) {
    super(primary);
    if (cache === primary) {
      const message = "The cache must be another store than the primary";
      throw new StoreConfigurationError({ message });
    }
    this.#layer = new CacheLayer(cache, options);
    const self = this as unknown as Record<string, unknown>;
    for (const capability of ["destroyCollection", "destroy"] as const) {
      if (supports(cache, capability)) continue;
      for (const { name } of capabilityMethods[capability]) delete self[name];
    }
    if (this.close === undefined && supportsClose(cache)) {
      this.close = () => this.#closeBoth();
    }
  }

  /** @inheritdoc */
  override async get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    const collection = this.#target("get", options, [key]);
    const cached = await this.#layer.read("get", collection, (c, o) => c.get(key, o));
    if (cached !== undefined) return cached;
    const [found] = await this.#fromPrimary("get", collection, [key]);
    return found?.[0];
  }

  /** @inheritdoc */
  override async getMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(Value | undefined)[]> {
    const collection = this.#target("getMany", options, keys);
    const cached = await this.#layer.read("getMany", collection, (c, o) => c.getMany(keys, o));
    const found = await this.#misses("getMany", collection, keys, cached ?? []);
    return keys.map((key, index) => cached?.[index] ?? found.get(key)?.[0]);
  }

  /** @inheritdoc */
  override async ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    const collection = this.#target("ttl", options, [key]);
    const cached = await this.#layer.readTtl("ttl", collection, (c, o) => c.ttl(key, o));
    if (cached?.[0] !== undefined) return cached;
    const [found] = await this.#fromPrimary("ttl", collection, [key]);
    return found ?? [undefined, undefined];
  }

  /** @inheritdoc */
  override async ttlMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<ValueWithTtl[]> {
    const collection = this.#target("ttlMany", options, keys);
    const cached = await this.#layer.readTtl("ttlMany", collection, (c, o) => c.ttlMany(keys, o));
    const values = cached?.map(([value]) => value) ?? [];
    const found = await this.#misses("ttlMany", collection, keys, values);
    return keys.map((key, index) => {
      const hit = cached?.[index];
      return hit?.[0] !== undefined ? hit : (found.get(key) ?? [undefined, undefined]);
    });
  }

  /** @inheritdoc */
  override put(key: string, value: Value, options?: PutOptions): Promise<void> {
    return this.#write("put", options, [key], () => this.store.put(key, value, options));
  }

  /** @inheritdoc */
  override async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    if (!Array.isArray(entries)) {
      throw new TypeError("putMany expects an array of [key, value] pairs");
    }
    const keys = entries.map(([key]) => key);
    await this.#write("putMany", options, keys, () => this.store.putMany(entries, options));
  }

  /** @inheritdoc */
  override delete(key: string, options?: CollectionOptions): Promise<boolean> {
    return this.#write("delete", options, [key], () => this.store.delete(key, options));
  }

  /** @inheritdoc */
  override deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    return this.#write("deleteMany", options, keys, () => this.store.deleteMany(keys, options));
  }

  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    if (operation === "destroyCollection" || operation === "destroy") {
      const collection = operation === "destroy" ? undefined : options?.collection;
      const done = this.#layer.guard.beginWrite(collection, undefined);
      try {
        await call(this.#layer.cache);
        return await call(this.store);
      } finally {
        done();
      }
    }
    if (operation === "close") return (await this.#closeBoth()) as T;
    const result = await call(this.store);
    if (operation === "cull" && supportsCull(this.#layer.cache)) {
      await this.#layer.cache
        .cull()
        .catch((error: unknown) => this.#layer.report("cull", "", error));
    }
    return result;
  }

  /** Reads the keys the cache did not answer from the primary, in one call, by key. */
  async #misses(
    operation: Operation,
    collection: string,
    keys: readonly string[],
    cached: readonly (Value | undefined)[],
  ): Promise<Map<string, ValueWithTtl>> {
    const missing = [...new Set(keys.filter((_, index) => cached[index] === undefined))];
    if (missing.length === 0) return new Map();
    const found = await this.#fromPrimary(operation, collection, missing);
    return new Map(missing.map((key, index) => [key, found[index] ?? [undefined, undefined]]));
  }

  /** Reads distinct keys from the primary, with their TTLs, and fills the cache with them. */
  #fromPrimary(
    operation: Operation,
    collection: string,
    keys: readonly string[],
  ): Promise<ValueWithTtl[]> {
    const [key] = keys;
    return this.#layer.fill(operation, collection, keys, async (options) =>
      keys.length === 1 && key !== undefined
        ? [await this.store.ttl(key, options)]
        : this.store.ttlMany(keys, options),
    );
  }

  /**
   * Checks a write, invalidates its keys in the cache, then writes the primary; reads that
   * overlap it fill nothing. A failed invalidation fails the call before the primary is touched.
   */
  async #write<T>(
    operation: Operation,
    options: PutOptions | undefined,
    keys: readonly string[],
    write: () => Promise<T>,
  ): Promise<T> {
    const collection = this.#target(operation, options, keys);
    resolveTtl(options?.ttl, { operation, collection });
    const done = this.#layer.guard.beginWrite(collection, keys);
    try {
      const [key] = keys;
      const target = { collection };
      if (keys.length === 1 && key !== undefined) await this.#layer.cache.delete(key, target);
      else await this.#layer.cache.deleteMany(keys, target);
      return await write();
    } finally {
      done();
    }
  }

  /** The collection a call targets, with it and the keys validated. */
  #target(
    operation: Operation,
    options: CollectionOptions | undefined,
    keys: readonly string[],
  ): string {
    const collection = targetCollection(options, this.defaultCollection, operation);
    validateKeys(keys, { operation, collection });
    return collection;
  }

  async #closeBoth(): Promise<void> {
    const stores = [this.store, this.#layer.cache].filter((store) => supportsClose(store));
    const outcomes = await Promise.allSettled(stores.map((store) => store.close()));
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  }
}

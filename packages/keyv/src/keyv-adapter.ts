import {
  batches,
  defaultCollectionOf,
  type KeyValue,
  StoreConfigurationError,
  supportsClose,
  supportsDestroyCollection,
  supportsKeys,
  validateCollection,
} from "@kv/protocol";
import { fromStoredValue, msUntilExpires, secondsFromMs, toStoredValue } from "./keyv-values.ts";

/** Options of `toKeyvStore`. */
export interface KeyvAdapterOptions {
  /** The collection every entry Keyv writes goes to. @default the store's default collection */
  collection?: string | undefined;
}

/** One entry of Keyv's `setMany`: the TTL is in milliseconds. */
export interface KeyvEntry {
  /** The key, with Keyv's `namespace:` prefix. */
  key: string;
  /** Keyv's serialized string, or its raw `{ value, expires }` record. */
  value: unknown;
  /** Milliseconds until the entry expires; `undefined` or `0` never expires. */
  ttl?: number | undefined;
}

/** What Keyv reads from an adapter's `opts`; the field names are Keyv's. */
export interface KeyvAdapterSettings {
  /** Not one of the dialects Keyv 5 iterates on its own (see `iterator`). */
  dialect: string;
  /** Keyv 5 reads it when deciding whether to iterate; the store has no URL. */
  url: string;
  /** The collection entries go to (`undefined`: the store's default). */
  collection: string | undefined;
  /** Keyv's test suite and other callers set further fields here; they are ignored. */
  [setting: string]: unknown;
}

const batchSize = 500;

/**
 * A Keyv storage adapter over any `KeyValue`, for `new Keyv({ store })`, cache-manager and
 * cacheable. Keys are stored as Keyv hands them (with its `namespace:` prefix) in one collection;
 * values as JSON objects (see `toStoredValue`); TTLs in milliseconds become seconds exactly.
 * Failures are thrown (Keyv turns them into its `error` events), never emitted by the adapter.
 */
export class KeyvAdapter {
  /** Settings Keyv reads. */
  readonly opts: KeyvAdapterSettings;
  /** Keyv's namespace, set by Keyv: `clear()` and `iterator()` keep to keys that start with `namespace:`. */
  namespace: string | undefined;
  /**
   * Yields `[key, value]` for every live key of a namespace (default: Keyv's), keys with their
   * `namespace:` prefix as Keyv expects; present only when the store can list its keys. Keyv 5
   * calls it only for adapters it knows by name: switch it on with
   * `keyv.iterator = keyv.generateIterator(adapter.iterator.bind(adapter))`.
   */
  readonly iterator?: <Value = unknown>(
    namespace?: string,
  ) => AsyncGenerator<[string, Awaited<Value> | undefined], void>;
  private readonly store: KeyValue;
  private readonly collection: string | undefined;

  /** @throws InvalidKeyError when `collection` is not a valid collection name */
  constructor(store: KeyValue, options: KeyvAdapterOptions = {}) {
    if (options.collection !== undefined) validateCollection(options.collection);
    this.store = store;
    this.collection = options.collection;
    this.opts = { dialect: "kv", url: "", collection: options.collection };
    if (supportsKeys(store)) {
      this.iterator = <Value>(namespace?: string) =>
        this.#entries(namespace) as AsyncGenerator<[string, Awaited<Value> | undefined], void>;
    }
  }

  /**
   * Reads what Keyv wrote: its serialized string, or the raw record.
   * @throws what the store throws (InvalidKeyError, StoreError ...)
   */
  async get<Value = unknown>(key: string): Promise<Value | undefined> {
    const stored = await this.store.get(key, { collection: this.collection });
    return fromStoredValue(stored) as Value | undefined;
  }

  /**
   * Reads many keys in one store call.
   * @throws what the store throws
   */
  async getMany<Value = unknown>(keys: string[]): Promise<(Value | undefined)[]> {
    const values = await this.store.getMany(keys, { collection: this.collection });
    return values.map((value) => fromStoredValue(value) as Value | undefined);
  }

  /**
   * Writes a value with an optional TTL in milliseconds (a raw record without one expires at its
   * absolute `expires`; one already past it deletes the key).
   * @returns `true`
   * @throws InvalidKeyError, InvalidTtlError, SerializationError (nothing is written), StoreError
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const ms = ttl ?? msUntilExpires(value, Date.now());
    if (ms !== undefined && ms <= 0 && ttl === undefined) {
      await this.store.delete(key, { collection: this.collection });
      return true;
    }
    const seconds = secondsFromMs(ms, key);
    await this.store.put(key, toStoredValue(value, key), {
      collection: this.collection,
      ttl: seconds,
    });
    return true;
  }

  /**
   * Writes many entries: one `putMany` per distinct TTL.
   * @throws as `set`
   */
  async setMany(entries: KeyvEntry[]): Promise<void> {
    const byTtl = new Map<number | undefined, [string, ReturnType<typeof toStoredValue>][]>();
    for (const { key, value, ttl } of entries) {
      const seconds = secondsFromMs(ttl, key);
      const group = byTtl.get(seconds) ?? [];
      group.push([key, toStoredValue(value, key)]);
      byTtl.set(seconds, group);
    }
    await Promise.all(
      Array.from(byTtl, ([ttl, group]) =>
        this.store.putMany(group, { collection: this.collection, ttl }),
      ),
    );
  }

  /**
   * Deletes a key.
   * @returns `true` when it had a live entry
   * @throws what the store throws
   */
  delete(key: string): Promise<boolean> {
    return this.store.delete(key, { collection: this.collection });
  }

  /**
   * Deletes many keys in one store call.
   * @returns `true` when every (distinct) key had a live entry, as Keyv's own fallback answers
   * @throws what the store throws
   */
  async deleteMany(keys: string[]): Promise<boolean> {
    const deleted = await this.store.deleteMany(keys, { collection: this.collection });
    return deleted === new Set(keys).size;
  }

  /**
   * True when the key has a live entry.
   * @throws what the store throws
   */
  async has(key: string): Promise<boolean> {
    return (await this.store.get(key, { collection: this.collection })) !== undefined;
  }

  /**
   * `has` for many keys, in one store call.
   * @throws what the store throws
   */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const values = await this.store.getMany(keys, { collection: this.collection });
    return values.map((value) => value !== undefined);
  }

  /**
   * Removes the keys of Keyv's namespace (those starting with `namespace:`), or the whole
   * collection when Keyv has no namespace.
   * @throws StoreConfigurationError when the store cannot list keys (nor, without a namespace,
   * destroy a collection); what the store throws
   */
  async clear(): Promise<void> {
    const collection = this.collection;
    if (!this.namespace && supportsDestroyCollection(this.store)) {
      await this.store.destroyCollection(collection ?? defaultCollectionOf(this.store));
      return;
    }
    for await (const keys of batches(this.#keys(), batchSize)) {
      await this.store.deleteMany(keys, { collection });
    }
  }

  /**
   * Closes the store when it can be closed (cache-manager's and Keyv's `disconnect()`).
   * @throws what the store's `close()` throws
   */
  async disconnect(): Promise<void> {
    if (supportsClose(this.store)) await this.store.close();
  }

  /** Keyv subscribes to `error`; the adapter throws instead of emitting, so nothing is kept. */
  on(_event: string, _listener: (...details: unknown[]) => void): this {
    return this;
  }

  async *#entries(namespace = this.namespace): AsyncGenerator<[string, unknown]> {
    for await (const keys of batches(this.#keys(namespace), batchSize)) {
      const values = await this.store.getMany(keys, { collection: this.collection });
      for (const [index, key] of keys.entries()) {
        const value = values[index];
        if (value !== undefined) yield [key, fromStoredValue(value)];
      }
    }
  }

  async *#keys(namespace: string | undefined = this.namespace): AsyncGenerator<string> {
    if (!supportsKeys(this.store)) {
      throw new StoreConfigurationError({
        operation: "keys",
        collection: this.collection,
        message: "Keyv's clear() and iterator() need a store that can list its keys",
      });
    }
    const prefix = namespace ? `${namespace}:` : "";
    for await (const key of this.store.iterateKeys({ collection: this.collection })) {
      if (key.startsWith(prefix)) yield key;
    }
  }
}

import {
  type CollectionOptions,
  defaultCollectionOf,
  type KeyValue,
  type PutOptions,
  validateCollection,
} from "@kv/protocol";

/**
 * What every adapter over a `KeyValue` shares: a checked `defaultCollection`, the collection each
 * call goes to, and deletes passed through. `RaiseOnMissingAdapter` and the schema adapters of
 * `@kv/standard-schema` and `@kv/zod` build on it.
 */
export abstract class StoreAdapter {
  /** The collection used when a call names none; `undefined` defers to the store's default. */
  readonly defaultCollection: string | undefined;
  /** The store the adapter reads and writes. */
  protected readonly store: KeyValue;

  /** @throws InvalidKeyError for a bad `defaultCollection` */
  constructor(store: KeyValue, defaultCollection: string | undefined) {
    if (defaultCollection !== undefined) validateCollection(defaultCollection);
    this.store = store;
    this.defaultCollection = defaultCollection;
  }

  /**
   * Deletes one key.
   * @returns `true` when an entry was removed.
   * @throws InvalidKeyError, StoreError
   */
  delete(key: string, options?: CollectionOptions): Promise<boolean> {
    return this.store.delete(key, this.target(options));
  }

  /**
   * Deletes many keys.
   * @returns how many distinct keys had an entry that was removed.
   * @throws InvalidKeyError, StoreError
   */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    return this.store.deleteMany(keys, this.target(options));
  }

  /** The options to pass to the store: the call's collection, else the adapter's default. */
  protected target(options: CollectionOptions | undefined): CollectionOptions {
    return { collection: options?.collection ?? this.defaultCollection };
  }

  /** The store's write options: `target` plus the call's TTL. */
  protected writeTarget(options: PutOptions | undefined): PutOptions {
    return { ...this.target(options), ttl: options?.ttl };
  }

  /** The name of the collection a call goes to, for errors: the store's default when none is set. */
  protected collectionOf(options: CollectionOptions | undefined): string {
    return options?.collection ?? this.defaultCollection ?? defaultCollectionOf(this.store);
  }
}

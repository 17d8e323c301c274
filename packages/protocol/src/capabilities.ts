import type { CollectionOptions, KeyValue } from "./key-value.ts";

/** Options for listing keys. */
export interface KeysOptions extends CollectionOptions {
  /** The most keys to return. @default 10 000 */
  limit?: number | undefined;
}

/** Options for listing collections. */
export interface CollectionsOptions {
  /** The most collection names to return. @default 10 000 */
  limit?: number | undefined;
}

/** The default `limit` of `keys()` and `collections()`. */
export const DEFAULT_LIST_LIMIT = 10_000;

/** A store that can enumerate the keys of a collection. Order is unspecified. */
export interface KeyEnumeration {
  /**
   * Lists up to `limit` keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  keys(options?: KeysOptions): Promise<string[]>;
  /**
   * Yields every key of a collection, paging through the backend in bounded memory. A key written
   * or deleted during the iteration may or may not appear, and cursors that can repeat (Redis
   * `SCAN`) may yield a key twice; no key present throughout is ever missed.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string>;
}

/** A store that can enumerate its collections (those holding at least one entry). */
export interface CollectionEnumeration {
  /**
   * Lists up to `limit` collection names.
   * @throws StoreError
   */
  collections(options?: CollectionsOptions): Promise<string[]>;
  /**
   * Yields every collection name in bounded memory.
   * @throws StoreError
   */
  iterateCollections(): AsyncIterable<string>;
}

/** A store that can remove a whole collection at once. */
export interface CollectionDestruction {
  /**
   * Removes every entry of one collection, leaving other collections untouched.
   * @returns `true` when the collection held anything.
   * @throws InvalidKeyError, StoreError
   */
  destroyCollection(collection: string): Promise<boolean>;
}

/** A store that can remove everything it wrote. */
export interface StoreDestruction {
  /**
   * Removes every entry of every collection this store wrote (never other data in a shared backend).
   * @returns `true` when anything was removed.
   * @throws StoreError
   */
  destroy(): Promise<boolean>;
}

/** A store whose backend keeps expired entries until asked to remove them. */
export interface Cullable {
  /**
   * Removes expired entries from the backend. Reads never return them either way.
   * @throws StoreError
   */
  cull(): Promise<void>;
}

/** A store that holds resources (connections, file handles) to release. */
export interface Closable {
  /**
   * Releases what the store owns. A client passed in by the user is left open.
   * Calling it twice is harmless.
   * @throws StoreError
   */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

function hasMethods(store: object, names: readonly string[]): boolean {
  const record = store as Record<string | symbol, unknown>;
  return names.every((name) => typeof record[name] === "function");
}

/** True when the store can enumerate keys. */
export function supportsKeys<S extends KeyValue>(store: S): store is S & KeyEnumeration {
  return hasMethods(store, ["keys", "iterateKeys"]);
}

/** True when the store can enumerate collections. */
export function supportsCollections<S extends KeyValue>(
  store: S,
): store is S & CollectionEnumeration {
  return hasMethods(store, ["collections", "iterateCollections"]);
}

/** True when the store can destroy one collection. */
export function supportsDestroyCollection<S extends KeyValue>(
  store: S,
): store is S & CollectionDestruction {
  return hasMethods(store, ["destroyCollection"]);
}

/** True when the store can destroy everything it wrote. */
export function supportsDestroy<S extends KeyValue>(store: S): store is S & StoreDestruction {
  return hasMethods(store, ["destroy"]);
}

/** True when the store can cull expired entries. */
export function supportsCull<S extends KeyValue>(store: S): store is S & Cullable {
  return hasMethods(store, ["cull"]);
}

/** True when the store has resources to close. */
export function supportsClose<S extends KeyValue>(store: S): store is S & Closable {
  return hasMethods(store, ["close"]);
}

/**
 * Collects up to `limit` distinct items of an async iterable, then stops it. A `limit` of 0 or
 * less gives an empty list.
 */
export async function takeFirst<T>(
  source: AsyncIterable<T>,
  limit: number = DEFAULT_LIST_LIMIT,
): Promise<T[]> {
  const items = new Set<T>();
  if (limit <= 0) return [];
  for await (const item of source) {
    items.add(item);
    if (items.size >= limit) break;
  }
  return [...items];
}

import type { CollectionOptions, KeyValue, PutOptions, Value } from "./key-value.ts";

/**
 * `KeyValue` with the value type fixed to `V`: what `typed<V>(store)` returns. The type is a
 * promise made by the caller, not checked at run time (use `@kv/zod` or `@kv/standard-schema`
 * when stored data may not match); writes still get the usual JSON checks.
 */
export interface TypedKeyValue<V extends object> {
  /** @see KeyValue.get */
  get(key: string, options?: CollectionOptions): Promise<V | undefined>;
  /** @see KeyValue.getMany */
  getMany(keys: readonly string[], options?: CollectionOptions): Promise<(V | undefined)[]>;
  /** @see KeyValue.ttl */
  ttl(
    key: string,
    options?: CollectionOptions,
  ): Promise<[value: V | undefined, ttl: number | undefined]>;
  /** @see KeyValue.ttlMany */
  ttlMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<[value: V | undefined, ttl: number | undefined][]>;
  /** @see KeyValue.put */
  put(key: string, value: V, options?: PutOptions): Promise<void>;
  /** @see KeyValue.putMany */
  putMany(
    entries: readonly (readonly [key: string, value: V])[],
    options?: PutOptions,
  ): Promise<void>;
  /** @see KeyValue.delete */
  delete(key: string, options?: CollectionOptions): Promise<boolean>;
  /** @see KeyValue.deleteMany */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number>;
}

/**
 * Views a store as holding values of type `V`, so `get` returns `V | undefined` without a cast.
 * It is the same object (nothing is copied or wrapped; keep the original reference for its
 * capabilities), and every write is still checked as JSON. Prefer `@kv/zod` or
 * `@kv/standard-schema` when stored values must be validated on read.
 *
 * ```ts
 * const sessions = typed<Session>(new MemoryStore());
 * const session = await sessions.get("s1"); // Session | undefined
 * ```
 */
export function typed<V extends object = Value>(store: KeyValue): TypedKeyValue<V> {
  return store as unknown as TypedKeyValue<V>;
}

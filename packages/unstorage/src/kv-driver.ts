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
import type { Driver, StorageMeta, TransactionOptions } from "unstorage";
import { fromText, toText } from "./stored-text.ts";

/** Options of `kvDriver`. */
export interface KvDriverOptions {
  /** The store (or stack of wrappers) that holds the items. */
  store: KeyValue;
  /** The collection every item goes to. @default the store's default collection */
  collection?: string | undefined;
  /** Seconds until an item expires when `setItem` names no `ttl`. @default never */
  ttl?: number | undefined;
}

const batchSize = 500;

/**
 * An unstorage driver over any `KeyValue`: `createStorage({ driver: kvDriver({ store }) })`.
 * Keys are unstorage's normalized keys (`a:b:c`), stored as they are in one collection; texts
 * are stored as JSON objects (see `fromText`); `ttl` options are seconds, as in unstorage.
 * @throws InvalidKeyError when `collection` is not a valid collection name
 */
export function kvDriver(options: KvDriverOptions): Driver<KvDriverOptions, KeyValue> {
  const { store } = options;
  const collection = options.collection;
  if (collection !== undefined) validateCollection(collection);
  const where = { collection };
  const ttlOf = (item?: TransactionOptions, common?: TransactionOptions): number | undefined => {
    const ttl: unknown = item?.ttl ?? common?.ttl ?? options.ttl;
    return ttl === 0 || ttl === undefined || ttl === null ? undefined : (ttl as number);
  };
  async function* keysUnder(base: string | undefined): AsyncGenerator<string> {
    if (!supportsKeys(store)) {
      throw new StoreConfigurationError({
        operation: "keys",
        collection,
        message: "unstorage's getKeys() and clear() need a store that can list its keys",
      });
    }
    const prefix = base ?? "";
    for await (const key of store.iterateKeys(where)) if (key.startsWith(prefix)) yield key;
  }

  return {
    name: "kv",
    flags: { ttl: true },
    options,
    getInstance: () => store,
    async hasItem(key) {
      return (await store.get(key, where)) !== undefined;
    },
    async getItem(key) {
      const value = await store.get(key, where);
      return value === undefined ? null : toText(value);
    },
    async getItems(items) {
      const values = await store.getMany(
        items.map((item) => item.key),
        where,
      );
      return items.map((item, index) => {
        const value = values[index];
        return { key: item.key, value: value === undefined ? null : toText(value) };
      });
    },
    async setItem(key, value, itemOptions) {
      await store.put(key, fromText(value), { collection, ttl: ttlOf(itemOptions) });
    },
    async setItems(items, common) {
      const byTtl = new Map<number | undefined, [string, ReturnType<typeof fromText>][]>();
      for (const item of items) {
        const ttl = ttlOf(item.options, common);
        const group = byTtl.get(ttl) ?? [];
        group.push([item.key, fromText(item.value)]);
        byTtl.set(ttl, group);
      }
      await Promise.all(
        Array.from(byTtl, ([ttl, group]) => store.putMany(group, { collection, ttl })),
      );
    },
    async removeItem(key) {
      await store.delete(key, where);
    },
    async getMeta(key) {
      const [value, ttl] = await store.ttl(key, where);
      if (value === undefined) return null;
      const meta: StorageMeta = {};
      if (ttl !== undefined) meta.ttl = ttl;
      return meta;
    },
    async getKeys(base) {
      const keys: string[] = [];
      for await (const key of keysUnder(base)) keys.push(key);
      return keys;
    },
    async clear(base) {
      if (!base && supportsDestroyCollection(store)) {
        await store.destroyCollection(collection ?? defaultCollectionOf(store));
        return;
      }
      for await (const keys of batches(keysUnder(base), batchSize)) {
        await store.deleteMany(keys, where);
      }
    },
    async dispose() {
      if (supportsClose(store)) await store.close();
    },
  };
}

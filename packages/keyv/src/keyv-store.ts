import {
  type BaseStoreOptions,
  type Capability,
  type ErrorContext,
  hasNetworkErrorCode,
  isExpired,
  type KeyValue,
  type KeyValueError,
  type ManagedEntry,
  StoreConnectionError,
  serializeEntry,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { collectionPrefix, compoundKey, readEntry, splitCompoundKey } from "./keyv-layout.ts";

/**
 * The part of Keyv's storage adapter interface `fromKeyv` uses (Keyv 5: `@keyv/redis`,
 * `@keyv/postgres`, `@keyv/etcd` ..., or a plain `Map`). Results may be promises or plain values.
 */
export interface KeyvStorageAdapter {
  /** The adapter's own namespace, if it has one; passed to `iterator`. */
  namespace?: string | undefined;
  /** Reads one key. */
  get(key: string): unknown;
  /** Writes one value with a TTL in milliseconds. */
  set(key: string, value: string, ttl?: number): unknown;
  /** Deletes one key. */
  delete(key: string): unknown;
  /** Removes everything in the adapter's namespace. */
  clear(): unknown;
  /** Reads many keys in one call. */
  getMany?(keys: string[]): unknown;
  /** Writes many values in one call. */
  setMany?(entries: { key: string; value: string; ttl?: number }[]): unknown;
  /** Deletes many keys in one call. */
  deleteMany?(keys: string[]): unknown;
  /** Yields `[key, value]` pairs of the namespace, keys as they were given to `set`. */
  iterator?(namespace?: string): AsyncIterable<unknown>;
  /** Closes the adapter's connection. */
  disconnect?(): unknown;
}

/** Options of `fromKeyv`. */
export interface FromKeyvOptions extends BaseStoreOptions {}

type Offered = "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "close";

/**
 * Any Keyv storage adapter as a `KeyValue`. Each entry is py-key-value's JSON document under the
 * adapter key `<collection>::<key>` (the collection escaped); TTLs go to the adapter in whole
 * milliseconds and expired entries are never returned, whether or not the adapter expires them.
 * Bulk calls use the adapter's `getMany`/`setMany`/`deleteMany` when it has them. The store
 * offers `keys`, `collections`, `destroyCollection` and `cull` only when the adapter can be
 * iterated (a `Map`, or an `iterator()`), `destroy` through `clear()`, and `close` only when the
 * adapter has `disconnect()`. It offers no atomic operation: Keyv adapters have none.
 * @throws TypeError when `adapter` lacks `get`, `set`, `delete` or `clear`
 */
export function fromKeyv(adapter: KeyvStorageAdapter, options: FromKeyvOptions = {}): KeyValue {
  for (const method of ["get", "set", "delete", "clear"] as const) {
    if (typeof adapter?.[method] !== "function") {
      throw new TypeError(`fromKeyv expects a Keyv storage adapter; it has no ${method}()`);
    }
  }
  const offered: Capability[] = ["destroy"];
  if (adapter instanceof Map || typeof adapter.iterator === "function") {
    offered.push("keys", "collections", "destroyCollection", "cull");
  }
  if (typeof adapter.disconnect === "function") offered.push("close");
  const Store = keyvStoreClass(offered as Offered[]);
  return new Store(adapter, options);
}

function keyvStoreClass(capabilities: Offered[]) {
  return class KeyvStore extends storeWith<Offered>(...capabilities) {
    readonly #adapter: KeyvStorageAdapter;

    constructor(adapter: KeyvStorageAdapter, options: FromKeyvOptions) {
      super(options);
      this.#adapter = adapter;
    }

    protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
      return readEntry(await this.#adapter.get(compoundKey(collection, key)));
    }

    protected override async getEntries(
      collection: string,
      keys: readonly string[],
    ): Promise<(ManagedEntry | undefined)[]> {
      const names = keys.map((key) => compoundKey(collection, key));
      const found =
        typeof this.#adapter.getMany === "function"
          ? ((await this.#adapter.getMany(names)) as unknown[])
          : await Promise.all(names.map((name) => this.#adapter.get(name)));
      return names.map((_, index) => readEntry(found[index]));
    }

    protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
      const [name, json, ttl] = this.#record(collection, key, entry);
      await this.#adapter.set(name, json, ttl);
    }

    protected override async putEntries(
      collection: string,
      entries: readonly (readonly [string, ManagedEntry])[],
    ): Promise<void> {
      const records = entries.map(([key, entry]) => this.#record(collection, key, entry));
      if (typeof this.#adapter.setMany === "function") {
        await this.#adapter.setMany(
          records.map(([key, value, ttl]) =>
            ttl === undefined ? { key, value } : { key, value, ttl },
          ),
        );
      } else {
        await Promise.all(records.map(([key, value, ttl]) => this.#adapter.set(key, value, ttl)));
      }
    }

    protected async deleteEntry(collection: string, key: string): Promise<boolean> {
      const live = this.#isLive(await this.getEntry(collection, key));
      await this.#adapter.delete(compoundKey(collection, key));
      return live;
    }

    protected override async deleteEntries(
      collection: string,
      keys: readonly string[],
    ): Promise<number> {
      const entries = await this.getEntries(collection, keys);
      const names = keys.map((key) => compoundKey(collection, key));
      if (typeof this.#adapter.deleteMany === "function") await this.#adapter.deleteMany(names);
      else await Promise.all(names.map((name) => this.#adapter.delete(name)));
      let live = 0;
      for (const entry of entries) if (this.#isLive(entry)) live++;
      return live;
    }

    protected async *enumerateKeys(collection: string): AsyncIterable<string> {
      const prefix = collectionPrefix(collection);
      for await (const [name, entry] of this.#pairs()) {
        if (name.startsWith(prefix) && name.length > prefix.length && this.#isLive(entry)) {
          yield name.slice(prefix.length);
        }
      }
    }

    protected async *enumerateCollections(): AsyncIterable<string> {
      const seen = new Set<string>();
      for await (const [name, entry] of this.#pairs()) {
        const collection = splitCompoundKey(name)?.[0];
        if (collection !== undefined && !seen.has(collection) && this.#isLive(entry)) {
          seen.add(collection);
          yield collection;
        }
      }
    }

    protected async dropCollection(collection: string): Promise<boolean> {
      const prefix = collectionPrefix(collection);
      const names: string[] = [];
      for await (const [name] of this.#pairs()) if (name.startsWith(prefix)) names.push(name);
      if (typeof this.#adapter.deleteMany === "function") await this.#adapter.deleteMany(names);
      else await Promise.all(names.map((name) => this.#adapter.delete(name)));
      return names.length > 0;
    }

    protected async dropAll(): Promise<boolean> {
      let any = false;
      for await (const _ of this.#pairs()) {
        any = true;
        break;
      }
      await this.#adapter.clear();
      return any;
    }

    protected async removeExpired(): Promise<void> {
      const now = this.clock.now();
      for await (const [name, entry] of this.#pairs()) {
        if (entry !== undefined && isExpired(entry, now)) await this.#adapter.delete(name);
      }
    }

    protected async release(): Promise<void> {
      await this.#adapter.disconnect?.();
    }

    protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
      return isConnectionFailure(error)
        ? new StoreConnectionError({ ...context, cause: error })
        : toStoreError(error, context);
    }

    /** The adapter key, the JSON document and the TTL in whole milliseconds of one entry. */
    #record(
      collection: string,
      key: string,
      entry: ManagedEntry,
    ): [name: string, json: string, ttl: number | undefined] {
      const ttl =
        entry.expiresAt === undefined
          ? undefined
          : Math.max(1, Math.ceil(entry.expiresAt - this.clock.now()));
      return [compoundKey(collection, key), serializeEntry(entry, { collection, key }), ttl];
    }

    #isLive(entry: ManagedEntry | undefined): boolean {
      return entry !== undefined && !isExpired(entry, this.clock.now());
    }

    /** Every adapter key of this layout with its entry (`undefined` when unreadable). */
    async *#pairs(): AsyncGenerator<[string, ManagedEntry | undefined]> {
      const adapter = this.#adapter;
      const source: AsyncIterable<unknown> | Iterable<unknown> =
        adapter instanceof Map
          ? (adapter as Map<unknown, unknown>).entries()
          : (adapter.iterator?.(adapter.namespace) ?? []);
      for await (const pair of source) {
        if (!Array.isArray(pair) || typeof pair[0] !== "string") continue;
        const name = pair[0];
        if (splitCompoundKey(name) === undefined) continue;
        let entry: ManagedEntry | undefined;
        try {
          entry = readEntry(pair[1]);
        } catch {
          entry = undefined;
        }
        yield [name, entry];
      }
    }
  };
}

/** True for the errors of an unreachable backend: a socket's error code anywhere in the chain. */
function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (hasNetworkErrorCode(current)) return true;
    if (/not connected|connection (is )?closed|socket closed/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

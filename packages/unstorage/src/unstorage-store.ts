import {
  type BaseStoreOptions,
  deserializeEntry,
  fromEntryDocument,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  serializeEntry,
  storeWith,
} from "@kv/protocol";
import type { Storage } from "unstorage";
import { collectionBase, itemKey, parseItemKey } from "./unstorage-layout.ts";
import { WriteQueue } from "./write-queue.ts";

/** Options of `fromUnstorage`: those of every store. */
export interface FromUnstorageOptions extends BaseStoreOptions {}

const batchSize = 500;

const UnstorageBase: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "close"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "close");

/**
 * A `KeyValue` over an unstorage `Storage` (any driver, mounts included). Each entry is
 * py-key-value's JSON document, as text, under `<collection>:@:<key>` (see `itemKey`); the TTL
 * goes to drivers that expire items natively in whole seconds (rounded up), and expired entries
 * are never returned either way.
 */
export class UnstorageStore extends UnstorageBase {
  readonly #storage: Storage;
  readonly #writes = new WriteQueue();

  constructor(storage: Storage, options: FromUnstorageOptions) {
    super(options);
    this.#storage = storage;
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return readEntry(await this.#storage.getItem(itemKey(collection, key)));
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const names = keys.map((key) => itemKey(collection, key));
    const values = await this.#read(names);
    return names.map((name) => readEntry(values.get(name)));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const name = itemKey(collection, key);
    const text = serializeEntry(entry, { collection, key });
    await this.#writes.run([name], () => this.#storage.setItem(name, text, this.#ttlOption(entry)));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const items = entries.map(([key, entry]) => ({
      key: itemKey(collection, key),
      value: serializeEntry(entry, { collection, key }),
    }));
    const first = entries[0]?.[1];
    const options = first === undefined ? {} : this.#ttlOption(first);
    await this.#writes.run(
      items.map((item) => item.key),
      () => this.#storage.setItems(items, options),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const entry = await this.getEntry(collection, key);
    await this.#remove([itemKey(collection, key)]);
    return this.#isLive(entry);
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const entries = await this.getEntries(collection, keys);
    await this.#remove(keys.map((key) => itemKey(collection, key)));
    return entries.filter((entry) => this.#isLive(entry)).length;
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    for (const keys of chunks(await this.#storage.getKeys(collectionBase(collection)))) {
      const values = await this.#read(keys);
      for (const name of keys) {
        const parsed = parseItemKey(name);
        if (parsed !== undefined && this.#isLive(safeReadEntry(values.get(name)))) yield parsed[1];
      }
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    const byCollection = new Map<string, string[]>();
    for (const item of await this.#storage.getKeys()) {
      const collection = parseItemKey(item)?.[0];
      if (collection === undefined) continue;
      const items = byCollection.get(collection) ?? [];
      items.push(item);
      byCollection.set(collection, items);
    }
    for (const [collection, items] of byCollection) {
      for (const keys of chunks(items)) {
        const values = await this.#read(keys);
        if (keys.some((name) => this.#isLive(safeReadEntry(values.get(name))))) {
          yield collection;
          break;
        }
      }
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const keys = await this.#storage.getKeys(collectionBase(collection));
    await this.#remove(keys);
    return keys.length > 0;
  }

  protected async dropAll(): Promise<boolean> {
    const ours = (await this.#storage.getKeys()).filter((name) => parseItemKey(name) !== undefined);
    await this.#remove(ours);
    return ours.length > 0;
  }

  protected async release(): Promise<void> {
    await this.#storage.dispose();
  }

  /** Removes items, each after the writes of it already under way. */
  async #remove(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map((name) => this.#writes.run([name], () => this.#storage.removeItem(name))),
    );
  }

  /** One `getItems` call; results by key (with several mounts they come back grouped by mount). */
  async #read(names: readonly string[]): Promise<Map<string, unknown>> {
    const items = await this.#storage.getItems([...names]);
    return new Map(items.map((item) => [item.key, item.value]));
  }

  #ttlOption(entry: ManagedEntry): { ttl?: number } {
    if (entry.expiresAt === undefined) return {};
    return { ttl: Math.max(1, Math.ceil((entry.expiresAt - this.clock.now()) / 1000)) };
  }

  #isLive(entry: ManagedEntry | undefined): boolean {
    return entry !== undefined && !isExpired(entry, this.clock.now());
  }
}

/**
 * Any unstorage `Storage` as a `KeyValue`, with `keys`, `collections`, `destroyCollection`,
 * `destroy` (every item of this layout in the storage, nothing else) and `close` (the storage's
 * `dispose()`).
 */
export function fromUnstorage(
  storage: Storage,
  options: FromUnstorageOptions = {},
): UnstorageStore {
  return new UnstorageStore(storage, options);
}

/**
 * An entry as unstorage returns it: the document (`getItem` parses JSON text), its text, or the
 * bytes of its text (raw reads of the fs driver). `undefined` for nothing.
 * @throws DeserializationError when it is none of those
 */
function readEntry(stored: unknown): ManagedEntry | undefined {
  if (stored === undefined || stored === null) return undefined;
  if (stored instanceof Uint8Array) return deserializeEntry(new TextDecoder().decode(stored));
  return typeof stored === "string" ? deserializeEntry(stored) : fromEntryDocument(stored);
}

function safeReadEntry(stored: unknown): ManagedEntry | undefined {
  try {
    return readEntry(stored);
  } catch {
    return undefined;
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    result.push(items.slice(start, start + batchSize));
  }
  return result;
}

import {
  type BaseStoreOptions,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  StoreError,
  storeWith,
} from "@kv/protocol";

/** Options of `MemoryStore`. Without limits the store grows without bound. */
export interface MemoryStoreOptions extends BaseStoreOptions {
  /** The most entries held across all collections; the least recently used is evicted first. */
  maxEntries?: number | undefined;
  /**
   * The most bytes held across all collections, counted as 2 bytes per UTF-16 unit of each
   * key, collection name and value's JSON; the least recently used entries are evicted first.
   */
  maxBytes?: number | undefined;
}

/** One stored entry, linked into the recency list when the store is bounded. */
interface Slot {
  readonly collection: string;
  readonly key: string;
  json: string;
  createdAt: number | undefined;
  expiresAt: number | undefined;
  bytes: number;
  newer: Slot | undefined;
  older: Slot | undefined;
}

const MemoryBase: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "entries"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "cull", "entries");

/**
 * An in-process store. Values are held as JSON text, so every read is a fresh copy. With
 * `maxEntries` or `maxBytes` it is an LRU cache (O(1) reads and writes); expired entries are
 * dropped when read, when they reach the end of the recency list, or by `cull()`.
 */
export class MemoryStore extends MemoryBase {
  private readonly data = new Map<string, Map<string, Slot>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly bounded: boolean;
  private newest: Slot | undefined;
  private oldest: Slot | undefined;
  private entryCount = 0;
  private byteCount = 0;

  /** @throws RangeError when a limit is not a positive number */
  constructor(options: MemoryStoreOptions = {}) {
    super(options);
    this.maxEntries = positiveLimit(options.maxEntries, "maxEntries");
    this.maxBytes = positiveLimit(options.maxBytes, "maxBytes");
    this.bounded = Number.isFinite(this.maxEntries) || Number.isFinite(this.maxBytes);
  }

  /** How many entries are held, including expired ones not yet dropped. */
  get size(): number {
    return this.entryCount;
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.read(collection, key);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return keys.map((key) => this.read(collection, key));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.write(collection, key, entry);
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const sizes = entries.map(([key, entry]) => this.checkedSize(collection, key, entry));
    for (const [index, [key, entry]] of entries.entries()) {
      this.write(collection, key, entry, sizes[index]);
    }
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const slot = this.data.get(collection)?.get(key);
    if (slot === undefined) return false;
    this.remove(slot);
    return !isExpired(slot, this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const entries = this.data.get(collection);
    if (entries === undefined) return;
    for (const slot of entries.values()) {
      if (!isExpired(slot, this.clock.now())) yield slot.key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    yield* this.data.keys();
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const entries = this.data.get(collection);
    if (entries === undefined) return false;
    for (const slot of entries.values()) this.remove(slot);
    return true;
  }

  protected async dropAll(): Promise<boolean> {
    const hadEntries = this.entryCount > 0;
    this.data.clear();
    this.newest = this.oldest = undefined;
    this.entryCount = this.byteCount = 0;
    return hadEntries;
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    for (const entries of this.data.values()) {
      for (const slot of entries.values()) if (isExpired(slot, now)) this.remove(slot);
    }
  }

  private read(collection: string, key: string): ManagedEntry | undefined {
    const slot = this.data.get(collection)?.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt !== undefined && slot.expiresAt <= this.clock.now()) {
      this.remove(slot);
      return undefined;
    }
    if (this.bounded) this.touch(slot);
    return { value: JSON.parse(slot.json), createdAt: slot.createdAt, expiresAt: slot.expiresAt };
  }

  /** The JSON of the entry's value and its size in bytes; throws when it can never fit. */
  private checkedSize(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): { json: string; bytes: number } {
    const json = JSON.stringify(entry.value);
    const bytes = 2 * (json.length + key.length + collection.length);
    if (bytes > this.maxBytes) {
      throw new StoreError({
        message: `Entry of ${bytes} bytes exceeds maxBytes (${this.maxBytes})`,
        collection,
        key,
      });
    }
    return { json, bytes };
  }

  private write(
    collection: string,
    key: string,
    entry: ManagedEntry,
    size = this.checkedSize(collection, key, entry),
  ): void {
    let entries = this.data.get(collection);
    if (entries === undefined) {
      entries = new Map();
      this.data.set(collection, entries);
    }
    let slot = entries.get(key);
    if (slot === undefined) {
      slot = {
        collection,
        key,
        json: size.json,
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
        bytes: size.bytes,
        newer: undefined,
        older: undefined,
      };
      entries.set(key, slot);
    } else {
      this.unlink(slot);
      slot.json = size.json;
      slot.createdAt = entry.createdAt;
      slot.expiresAt = entry.expiresAt;
      slot.bytes = size.bytes;
    }
    this.entryCount += 1;
    this.byteCount += size.bytes;
    if (this.bounded) {
      this.linkNewest(slot);
      this.evict();
    }
  }

  private evict(): void {
    while (this.oldest !== undefined && this.overLimit()) this.remove(this.oldest);
    const oldest = this.oldest;
    if (oldest !== undefined && isExpired(oldest, this.clock.now())) this.remove(oldest);
  }

  private overLimit(): boolean {
    return this.entryCount > this.maxEntries || this.byteCount > this.maxBytes;
  }

  private remove(slot: Slot): void {
    const entries = this.data.get(slot.collection);
    if (entries?.get(slot.key) !== slot) return;
    entries.delete(slot.key);
    if (entries.size === 0) this.data.delete(slot.collection);
    this.unlink(slot);
  }

  private unlink(slot: Slot): void {
    this.entryCount -= 1;
    this.byteCount -= slot.bytes;
    if (!this.bounded) return;
    if (slot.newer === undefined) this.newest = slot.older;
    else slot.newer.older = slot.older;
    if (slot.older === undefined) this.oldest = slot.newer;
    else slot.older.newer = slot.newer;
    slot.newer = slot.older = undefined;
  }

  private linkNewest(slot: Slot): void {
    slot.older = this.newest;
    if (this.newest !== undefined) this.newest.newer = slot;
    this.newest = slot;
    this.oldest ??= slot;
  }

  private touch(slot: Slot): void {
    if (this.newest === slot) return;
    this.entryCount += 1;
    this.byteCount += slot.bytes;
    this.unlink(slot);
    this.linkNewest(slot);
  }
}

function positiveLimit(limit: number | undefined, name: string): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (typeof limit !== "number" || Number.isNaN(limit) || limit <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(limit)}`);
  }
  return limit;
}

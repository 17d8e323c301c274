import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type BaseStoreOptions,
  type CounterChange,
  counterEntry,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { SlotEntry } from "./slot-entry.ts";
import { SlotTable } from "./slot-table.ts";

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

const MemoryBase: StoreClass<EnumerationCapability | "entries" | AtomicCapability> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "entries",
  ...ATOMIC_CAPABILITIES,
);

/**
 * An in-process store. Values are held as JSON text, so every read is a fresh copy. With
 * `maxEntries` or `maxBytes` it is an LRU cache (O(1) reads and writes); expired entries are
 * dropped when read, when they reach the end of the recency list, or by `cull()`. Conditional
 * writes, counters and `touch` are atomic: each runs synchronously in the one JavaScript thread
 * (see `SlotEntry`).
 */
export class MemoryStore extends MemoryBase {
  private readonly slots: SlotTable;

  /** @throws RangeError when a limit is not a positive number */
  constructor(options: MemoryStoreOptions = {}) {
    super(options);
    const maxEntries = positiveLimit(options.maxEntries, "maxEntries");
    this.slots = new SlotTable(maxEntries, positiveLimit(options.maxBytes, "maxBytes"), this.clock);
  }

  /** How many entries are held, including expired ones not yet dropped. */
  get size(): number {
    return this.slots.size;
  }

  protected getEntry(collection: string, key: string): ManagedEntry | undefined {
    return this.read(collection, key);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return keys.map((key) => this.read(collection, key));
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): void {
    this.slots.write(collection, key, entry);
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const texts = entries.map(([key, entry]) => this.slots.serialize(collection, key, entry));
    for (const [index, [key, entry]] of entries.entries()) {
      this.slots.write(collection, key, entry, texts[index]);
    }
  }

  protected deleteEntry(collection: string, key: string): boolean {
    const slot = this.slots.find(collection, key);
    if (slot === undefined) return false;
    this.slots.remove(slot);
    return !isExpired(slot, this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    for (const slot of this.slots.slotsOf(collection)) {
      if (!isExpired(slot, this.clock.now())) yield slot.key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    yield* this.slots.collections();
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const slots = [...this.slots.slotsOf(collection)];
    for (const slot of slots) this.slots.remove(slot);
    return slots.length > 0;
  }

  protected async dropAll(): Promise<boolean> {
    return this.slots.clear();
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    for (const collection of [...this.slots.collections()]) {
      for (const slot of [...this.slots.slotsOf(collection)]) {
        if (isExpired(slot, now)) this.slots.remove(slot);
      }
    }
  }

  protected atomicEntry(collection: string, key: string): SlotEntry {
    return new SlotEntry(this.slots, collection, key);
  }

  protected async addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number> {
    const slot = this.slots.live(collection, key);
    const current = slot && this.slots.entryOf(slot);
    const context = { operation: "increment", collection, key } as const;
    const { entry, count } = counterEntry(current, change, context);
    this.slots.write(collection, key, entry);
    return count;
  }

  private read(collection: string, key: string): ManagedEntry | undefined {
    const slot = this.slots.live(collection, key);
    return slot && this.slots.entryOf(slot);
  }
}

function positiveLimit(limit: number | undefined, name: string): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (typeof limit !== "number" || Number.isNaN(limit) || limit <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(limit)}`);
  }
  return limit;
}

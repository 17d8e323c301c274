import { type Clock, isExpired, type ManagedEntry, StoreError } from "@kv/protocol";

/** One stored entry, linked into the recency list when the table is bounded. */
export interface Slot {
  readonly collection: string;
  readonly key: string;
  json: string;
  createdAt: number | undefined;
  expiresAt: number | undefined;
  /** Which write of the table last changed this entry: its version. */
  version: number;
  bytes: number;
  newer: Slot | undefined;
  older: Slot | undefined;
}

/**
 * The entries of every collection as JSON text, with an LRU recency list and eviction when
 * bounded by `maxEntries` or `maxBytes` (O(1) reads and writes).
 */
export class SlotTable {
  private readonly data = new Map<string, Map<string, Slot>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly clock: Clock;
  private readonly bounded: boolean;
  private newest: Slot | undefined;
  private oldest: Slot | undefined;
  private entryCount = 0;
  private byteCount = 0;
  private writes = 0;

  constructor(maxEntries: number, maxBytes: number, clock: Clock) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.clock = clock;
    this.bounded = Number.isFinite(maxEntries) || Number.isFinite(maxBytes);
  }

  /** How many entries are held, including expired ones not yet dropped. */
  get size(): number {
    return this.entryCount;
  }

  /** The slot of a key, expired or not. */
  find(collection: string, key: string): Slot | undefined {
    return this.data.get(collection)?.get(key);
  }

  /** The slots of one collection, expired ones included. */
  slotsOf(collection: string): Iterable<Slot> {
    return this.data.get(collection)?.values() ?? [];
  }

  /** The names of the collections holding slots. */
  collections(): Iterable<string> {
    return this.data.keys();
  }

  /** The key's slot unless missing or expired (an expired one is dropped), marked as just used. */
  live(collection: string, key: string): Slot | undefined {
    const slot = this.find(collection, key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt !== undefined && slot.expiresAt <= this.clock.now()) {
      this.remove(slot);
      return undefined;
    }
    if (this.bounded) this.markUsed(slot);
    return slot;
  }

  /** The entry a slot holds, its value a fresh copy. */
  entryOf(slot: Slot): ManagedEntry {
    return { value: JSON.parse(slot.json), createdAt: slot.createdAt, expiresAt: slot.expiresAt };
  }

  /**
   * The JSON of the entry's value.
   * @throws StoreError when it can never fit within `maxBytes`
   */
  serialize(collection: string, key: string, entry: ManagedEntry): string {
    const json = JSON.stringify(entry.value);
    const bytes = bytesOf(collection, key, json);
    if (bytes > this.maxBytes) {
      throw new StoreError({
        message: `Entry of ${bytes} bytes exceeds maxBytes (${this.maxBytes})`,
        collection,
        key,
      });
    }
    return json;
  }

  /** Stores an entry as the newest, evicting the least recently used beyond the limits. */
  write(
    collection: string,
    key: string,
    entry: ManagedEntry,
    json: string = this.serialize(collection, key, entry),
  ): void {
    const bytes = bytesOf(collection, key, json);
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
        json,
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
        version: ++this.writes,
        bytes,
        newer: undefined,
        older: undefined,
      };
      entries.set(key, slot);
    } else {
      this.unlink(slot);
      slot.json = json;
      slot.createdAt = entry.createdAt;
      slot.expiresAt = entry.expiresAt;
      slot.version = ++this.writes;
      slot.bytes = bytes;
    }
    this.entryCount += 1;
    this.byteCount += bytes;
    if (this.bounded) {
      this.linkNewest(slot);
      this.evict();
    }
  }

  /** Gives a slot a new expiry, as a write of its own (a new version). */
  expire(slot: Slot, expiresAt: number | undefined): void {
    slot.expiresAt = expiresAt;
    slot.version = ++this.writes;
  }

  /** Drops a slot (a no-op when it was replaced or removed already). */
  remove(slot: Slot): void {
    const entries = this.data.get(slot.collection);
    if (entries?.get(slot.key) !== slot) return;
    entries.delete(slot.key);
    if (entries.size === 0) this.data.delete(slot.collection);
    this.unlink(slot);
  }

  /** Drops everything; `true` when anything was held. */
  clear(): boolean {
    const hadEntries = this.entryCount > 0;
    this.data.clear();
    this.newest = this.oldest = undefined;
    this.entryCount = this.byteCount = 0;
    return hadEntries;
  }

  private evict(): void {
    while (this.oldest !== undefined && this.overLimit()) this.remove(this.oldest);
    const oldest = this.oldest;
    if (oldest !== undefined && isExpired(oldest, this.clock.now())) this.remove(oldest);
  }

  private overLimit(): boolean {
    return this.entryCount > this.maxEntries || this.byteCount > this.maxBytes;
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

  private markUsed(slot: Slot): void {
    if (this.newest === slot) return;
    this.entryCount += 1;
    this.byteCount += slot.bytes;
    this.unlink(slot);
    this.linkNewest(slot);
  }
}

/** The bytes a slot is counted as: 2 per UTF-16 unit of its collection, key and value JSON. */
function bytesOf(collection: string, key: string, json: string): number {
  return 2 * (json.length + key.length + collection.length);
}

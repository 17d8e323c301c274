import type { AtomicEntry, ManagedEntry, StoredVersion } from "@kv/protocol";
import type { SlotTable } from "./slot-table.ts";

/**
 * The atomic operations on one key's slot (the store's `atomicEntry`): each runs synchronously in
 * the one JavaScript thread. A version is the number of the table's write that last changed the
 * slot.
 */
export class SlotEntry implements AtomicEntry {
  readonly #slots: SlotTable;
  readonly #collection: string;
  readonly #key: string;

  constructor(slots: SlotTable, collection: string, key: string) {
    this.#slots = slots;
    this.#collection = collection;
    this.#key = key;
  }

  /**
   * Writes the entry unless the key has a live slot (an expired one is replaced).
   * @throws StoreError when the entry can never fit within `maxBytes`
   */
  async insert(entry: ManagedEntry): Promise<boolean> {
    if (this.#slots.live(this.#collection, this.#key) !== undefined) return false;
    this.#slots.write(this.#collection, this.#key, entry);
    return true;
  }

  /** The live slot's entry, its value a fresh copy, with the slot's write number. */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const slot = this.#slots.live(this.#collection, this.#key);
    return slot && { entry: this.#slots.entryOf(slot), version: String(slot.version) };
  }

  /**
   * Writes the entry while the live slot still has the write number `version`.
   * @throws StoreError when the entry can never fit within `maxBytes`
   */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const slot = this.#slots.live(this.#collection, this.#key);
    if (slot === undefined || String(slot.version) !== version) return false;
    this.#slots.write(this.#collection, this.#key, entry);
    return true;
  }

  /** Drops the live slot while it still has the write number `version`. */
  async removeVersioned(version: string): Promise<boolean> {
    const slot = this.#slots.live(this.#collection, this.#key);
    if (slot === undefined || String(slot.version) !== version) return false;
    this.#slots.remove(slot);
    return true;
  }

  /** Gives the live slot a new expiry (and a new write number), keeping its value. */
  async touch(expiresAt: number | undefined): Promise<boolean> {
    const slot = this.#slots.live(this.#collection, this.#key);
    if (slot !== undefined) this.#slots.expire(slot, expiresAt);
    return slot !== undefined;
  }
}

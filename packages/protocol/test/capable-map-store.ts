import { type ManagedEntry, type StoreClass, storeWith } from "@kv/protocol";

const CapableBase: StoreClass<"keys" | "destroyCollection" | "close" | "entries"> = storeWith(
  "keys",
  "destroyCollection",
  "close",
  "entries",
);

/**
 * Keys under `<collection>/<key>` in one Map, with key enumeration, collection destruction,
 * close (counted) and whole-entry access: the store the protocol's own tests build on.
 */
export class CapableMapStore extends CapableBase {
  readonly data: Map<string, ManagedEntry> = new Map();
  /** How often `release()` ran. */
  released = 0;
  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.data.get(`${collection}/${key}`);
  }
  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.data.set(`${collection}/${key}`, entry);
  }
  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.data.delete(`${collection}/${key}`);
  }
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    for (const name of this.data.keys()) {
      if (name.startsWith(`${collection}/`)) yield name.slice(collection.length + 1);
    }
  }
  protected async dropCollection(collection: string): Promise<boolean> {
    let dropped = false;
    for (const name of this.data.keys()) {
      if (name.startsWith(`${collection}/`)) dropped = this.data.delete(name);
    }
    return dropped;
  }
  protected async release(): Promise<void> {
    this.released += 1;
  }
}

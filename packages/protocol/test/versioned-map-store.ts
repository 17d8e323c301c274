import {
  type AtomicEntry,
  type CounterChange,
  counterEntry,
  type ManagedEntry,
  type StoreClass,
  storeWith,
} from "@kv/protocol";

const VersionedBase: StoreClass<"keys" | "putIfAbsent" | "versions" | "increment" | "touch"> =
  storeWith("keys", "putIfAbsent", "versions", "increment", "touch");

/**
 * Entries in a Map, versioned by a write counter, with the atomic operations on one entry object:
 * the store the protocol's tests of the atomic capabilities build on. `calls` logs each atomic
 * operation with its entry and the version it names (`replaceVersioned c/k 1`).
 */
export class VersionedMapStore extends VersionedBase {
  readonly data: Map<string, { entry: ManagedEntry; version: string }> = new Map();
  readonly calls: string[] = [];
  #writes = 0;

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.data.get(`${collection}/${key}`)?.entry;
  }
  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.data.set(`${collection}/${key}`, { entry, version: String(++this.#writes) });
  }
  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.data.delete(`${collection}/${key}`);
  }
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    for (const name of this.data.keys()) {
      if (name.startsWith(`${collection}/`)) yield name.slice(collection.length + 1);
    }
  }
  protected async addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number> {
    const { entry, count } = counterEntry(await this.getEntry(collection, key), change);
    await this.putEntry(collection, key, entry);
    return count;
  }
  protected atomicEntry(collection: string, key: string): AtomicEntry {
    const name = `${collection}/${key}`;
    const log = (operation: string, version?: string) =>
      this.calls.push(
        version === undefined ? `${operation} ${name}` : `${operation} ${name} ${version}`,
      );
    const writeAt = async (version: string | undefined, entry: ManagedEntry | undefined) => {
      if (this.data.get(name)?.version !== version) return false;
      if (entry === undefined) return this.deleteEntry(collection, key);
      await this.putEntry(collection, key, entry);
      return true;
    };
    return {
      insert: (entry) => {
        log("insert");
        return writeAt(undefined, entry);
      },
      readVersioned: async () => {
        log("readVersioned");
        return this.data.get(name);
      },
      replaceVersioned: (entry, version) => {
        log("replaceVersioned", version);
        return writeAt(version, entry);
      },
      removeVersioned: (version) => {
        log("removeVersioned", version);
        return writeAt(version, undefined);
      },
      touch: async (expiresAt) => {
        log("touch");
        const found = this.data.get(name);
        return found !== undefined && writeAt(found.version, { ...found.entry, expiresAt });
      },
    };
  }
}

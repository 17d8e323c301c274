import {
  deserializeEntry,
  isExpired,
  type ManagedEntry,
  type StoreClass,
  serializeEntry,
  storeWith,
} from "@kv/protocol";

/** The capabilities this store offers; each one is a hook below. */
const Base: StoreClass<"keys" | "destroyCollection" | "destroy" | "cull"> = storeWith(
  "keys",
  "destroyCollection",
  "destroy",
  "cull",
);

/**
 * A store over a `Map<string, string>`, standing in for any backend that maps strings to
 * strings. Each entry is one string, the JSON document py-key-value writes, under the name
 * `<collection>/<key>` (with `%` and `/` escaped in the collection, so no two pairs can meet).
 */
export class StringMapStore extends Base {
  private readonly strings = new Map<string, string>();

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const json = this.strings.get(prefix(collection) + key);
    return json === undefined ? undefined : deserializeEntry(json);
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.strings.set(prefix(collection) + key, serializeEntry(entry, { collection, key }));
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const entry = await this.getEntry(collection, key);
    this.strings.delete(prefix(collection) + key);
    return entry !== undefined && !isExpired(entry, this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const start = prefix(collection);
    for (const [location, json] of this.strings) {
      if (location.startsWith(start) && !isExpired(deserializeEntry(json), this.clock.now())) {
        yield location.slice(start.length);
      }
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    let removed = false;
    for (const location of this.strings.keys()) {
      if (location.startsWith(prefix(collection))) removed = this.strings.delete(location);
    }
    return removed;
  }

  protected async dropAll(): Promise<boolean> {
    const hadEntries = this.strings.size > 0;
    this.strings.clear();
    return hadEntries;
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    for (const [location, json] of this.strings) {
      if (isExpired(deserializeEntry(json), now)) this.strings.delete(location);
    }
  }
}

/** The start of every name in one collection: the collection, escaped, and a `/`. */
function prefix(collection: string): string {
  return `${collection.replaceAll("%", "%25").replaceAll("/", "%2F")}/`;
}

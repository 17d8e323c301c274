import {
  BaseStore,
  type CollectionOptions,
  deserializeEntry,
  isExpired,
  type KeysOptions,
  type ManagedEntry,
  serializeEntry,
  takeFirst,
} from "@kv/protocol";

/**
 * A store over a `Map<string, string>`, standing in for any backend that maps strings to
 * strings. Each entry is one string, the JSON document py-key-value writes, under the name
 * `<collection>/<key>` (with `%` and `/` escaped in the collection, so no two pairs can meet).
 */
export class StringMapStore extends BaseStore {
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

  /** Lists up to `limit` live keys of a collection. */
  async keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  /** Yields every live key of a collection. */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    return this.iterate("keys", collection, () => this.liveKeys(collection));
  }

  /** Removes every entry of one collection; `true` when it held any. */
  async destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    return this.guard("destroyCollection", name, async () => {
      let removed = false;
      for (const location of this.strings.keys()) {
        if (location.startsWith(prefix(name))) removed = this.strings.delete(location) || removed;
      }
      return removed;
    });
  }

  /** Removes every entry; `true` when there were any. */
  async destroy(): Promise<boolean> {
    const hadEntries = this.strings.size > 0;
    this.strings.clear();
    return hadEntries;
  }

  /** Removes expired entries (reads skip them anyway). */
  async cull(): Promise<void> {
    const now = this.clock.now();
    for (const [location, json] of this.strings) {
      if (isExpired(deserializeEntry(json), now)) this.strings.delete(location);
    }
  }

  private async *liveKeys(collection: string): AsyncIterable<string> {
    const start = prefix(collection);
    const now = this.clock.now();
    for (const [location, json] of this.strings) {
      if (location.startsWith(start) && !isExpired(deserializeEntry(json), now)) {
        yield location.slice(start.length);
      }
    }
  }
}

/** The start of every name in one collection: the collection, escaped, and a `/`. */
function prefix(collection: string): string {
  return `${collection.replaceAll("%", "%25").replaceAll("/", "%2F")}/`;
}

import {
  type BaseStoreOptions,
  deserializeEntry,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  isExpired,
  type KeyValueError,
  type ManagedEntry,
  type StoreClass,
  serializeEntry,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { isQuotaExceeded, StorageQuotaError } from "./errors.ts";
import { itemNames, StorageLayout } from "./layout.ts";

/** How a `WebStorageStore` is opened. */
export interface WebStorageStoreOptions extends BaseStoreOptions {
  /** The storage to use: `localStorage` (kept across sessions) or `sessionStorage` (one tab). */
  storage: Storage;
  /** The start of every item name this store writes; other items are left alone. Default `"kv:"`. */
  namespace?: string | undefined;
}

const Base: StoreClass<EnumerationCapability> = storeWith(...ENUMERATION_CAPABILITIES);

/**
 * A store over the browser's `localStorage` or `sessionStorage`. Each entry is one item, the JSON
 * document py-key-value writes, named `<namespace><collection>/<key>`. Web Storage holds a few
 * megabytes per origin, as UTF-16 strings: it suits small values. A write over the quota fails
 * with `StorageQuotaError`; a bulk write that fails puts back what it had replaced.
 */
export class WebStorageStore extends Base {
  private readonly storage: Storage;
  private readonly layout: StorageLayout;

  /** @throws InvalidKeyError when `defaultCollection` is not a valid collection name */
  constructor(options: WebStorageStoreOptions) {
    super(options);
    this.storage = options.storage;
    this.layout = new StorageLayout(options.namespace ?? "kv:");
  }

  protected getEntry(collection: string, key: string): ManagedEntry | undefined {
    const json = this.storage.getItem(this.layout.itemName(collection, key));
    return json === null ? undefined : deserializeEntry(json);
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): void {
    this.storage.setItem(
      this.layout.itemName(collection, key),
      serializeEntry(entry, { collection, key }),
    );
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const replaced: [name: string, previous: string | null][] = [];
    try {
      for (const [key, entry] of entries) {
        const name = this.layout.itemName(collection, key);
        replaced.push([name, this.storage.getItem(name)]);
        this.storage.setItem(name, serializeEntry(entry, { collection, key }));
      }
    } catch (error) {
      for (const [name, previous] of replaced.reverse()) {
        if (previous === null) this.storage.removeItem(name);
        else this.storage.setItem(name, previous);
      }
      throw error;
    }
  }

  protected deleteEntry(collection: string, key: string): boolean {
    const name = this.layout.itemName(collection, key);
    const json = this.storage.getItem(name);
    if (json === null) return false;
    this.storage.removeItem(name);
    return !isExpired(deserializeEntry(json), this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const start = this.layout.collectionPrefix(collection);
    for (const name of itemNames(this.storage)) {
      if (!name.startsWith(start)) continue;
      const json = this.storage.getItem(name);
      if (json !== null && !isExpired(deserializeEntry(json), this.clock.now())) {
        yield name.slice(start.length);
      }
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    const seen = new Set<string>();
    for (const name of itemNames(this.storage)) {
      const collection = this.layout.collectionOf(name);
      if (collection !== undefined) seen.add(collection);
    }
    yield* seen;
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const start = this.layout.collectionPrefix(collection);
    return this.removeWhere((name) => name.startsWith(start));
  }

  protected async dropAll(): Promise<boolean> {
    return this.removeWhere((name) => this.layout.collectionOf(name) !== undefined);
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    this.removeWhere((name) => {
      if (this.layout.collectionOf(name) === undefined) return false;
      const json = this.storage.getItem(name);
      return json !== null && isExpired(deserializeEntry(json), now);
    });
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (isQuotaExceeded(error)) return new StorageQuotaError({ ...context, cause: error });
    return toStoreError(error, context);
  }

  private removeWhere(matches: (name: string) => boolean): boolean {
    let removed = false;
    for (const name of itemNames(this.storage)) {
      if (!matches(name)) continue;
      this.storage.removeItem(name);
      removed = true;
    }
    return removed;
  }
}

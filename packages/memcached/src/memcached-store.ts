import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  type ErrorContext,
  IncrementBatcher,
  type KeyValueError,
  type ManagedEntry,
  mapStoreError,
  type ReadBatcher,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import type { MemcacheClient } from "memcache-client";
import {
  commitIncrements,
  deleteLive,
  type EntryRef,
  ItemEntry,
  readStored,
  type StoredItem,
} from "./atomic.ts";
import { decodeEntry, encodeEntry } from "./codec.ts";
import { Commands, type Item } from "./commands.ts";
import { isConnectionError } from "./errors.ts";
import { exptimeOf } from "./expiry.ts";
import { Layout, type Location } from "./layout.ts";
import { type MemcachedStoreOptions, openClient } from "./options.ts";

const MemcachedBase: StoreClass<"close" | "entries" | AtomicCapability> = storeWith(
  "close",
  "entries",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store on one memcached server through memcache-client. Each entry is one item holding
 * py-key-value's entry document under `collection::key` (see the README for the layout), with
 * memcached's own expiry set from the entry's TTL. memcached cannot list its keys, so the store
 * offers no enumeration, `destroyCollection` or `destroy`; it offers `putIfAbsent` (`add`),
 * versioned writes (`gets`/`cas`), `increment` and `touch` (both `cas` loops).
 */
export class MemcachedStore extends MemcachedBase {
  private readonly client: MemcacheClient;
  private readonly owned: boolean;
  private readonly commands: Commands;
  private readonly layout = new Layout();
  private readonly counters = new IncrementBatcher((collection, key, changes) =>
    commitIncrements(this.ref(collection, key), changes),
  );
  /** Single reads of one turn of the event loop, sent as one `get`. */
  private readonly reads: ReadBatcher<string, Item | undefined>;

  /**
   * @throws StoreConfigurationError for a malformed `url` or an out-of-range option
   * @throws InvalidKeyError when `defaultCollection` is not a valid collection name
   */
  constructor(options: MemcachedStoreOptions = {}) {
    super(options);
    const { client, owned } = openClient(options);
    this.client = client;
    this.owned = owned;
    const commands = new Commands(client);
    this.commands = commands;
    this.reads = this.batchReads(
      (name) => commands.read(name, false),
      async (names) => {
        const found = await commands.readMany(names, false);
        return names.map((name) => found.get(name));
      },
    );
  }

  /** A `get`, sent with the other single reads of the same turn as one `get k1 k2 …`. */
  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const location = this.layout.locate(collection, key);
    const item = await this.reads.read(location.name);
    return item === undefined ? undefined : decodeEntry(item.data, location, collection, key);
  }

  /** One `get` naming every key (a command per 1 000 keys). */
  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const locations = keys.map((key) => this.layout.locate(collection, key));
    const found = await this.commands.readMany(
      locations.map((location) => location.name),
      false,
    );
    return locations.map((location, index) => {
      const item = found.get(location.name);
      return item && decodeEntry(item.data, location, collection, keys[index] as string);
    });
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const { name } = this.layout.locate(collection, key);
    const exptime = exptimeOf(entry.expiresAt, this.clock.now());
    await this.commands.set(name, encodeEntry(entry, collection, key), exptime);
  }

  /** One `set` per entry, all sent at once (memcached has no multi-key write). */
  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const now = this.clock.now();
    await Promise.all(
      entries.map(([key, entry]) =>
        this.commands.set(
          this.layout.locate(collection, key).name,
          encodeEntry(entry, collection, key),
          exptimeOf(entry.expiresAt, now),
        ),
      ),
    );
  }

  /** `gets`, then `delete` when the entry is live (see `deleteLive`). */
  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const ref = this.ref(collection, key);
    return deleteLive(ref, await readStored(ref));
  }

  /** One `gets` naming every key, then the deletes of those found, all sent at once. */
  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const refs = keys.map((key) => this.ref(collection, key));
    const found = await this.commands.readMany(
      refs.map((ref) => ref.location.name),
      true,
    );
    const deleted = await Promise.all(
      refs.map((ref) => {
        const item = found.get(ref.location.name);
        const entry =
          item?.cas === undefined
            ? undefined
            : decodeEntry(item.data, ref.location, collection, ref.key);
        const stored: StoredItem | undefined =
          entry === undefined || item?.cas === undefined ? undefined : { entry, cas: item.cas };
        return deleteLive(ref, stored);
      }),
    );
    return deleted.filter(Boolean).length;
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return mapStoreError(error, context, isConnectionError);
  }

  protected async release(): Promise<void> {
    if (this.owned) this.client.shutdown();
  }

  protected atomicEntry(collection: string, key: string): ItemEntry {
    return new ItemEntry(this.ref(collection, key));
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
  }

  private ref(collection: string, key: string): EntryRef {
    const location: Location = this.layout.locate(collection, key);
    return { commands: this.commands, location, collection, key, clock: this.clock };
  }
}

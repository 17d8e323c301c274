import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  IncrementBatcher,
  incrementBySwap,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  type StoreClass,
  StoreConnectionError,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { openKv } from "./deno-api.ts";
import { EntryDatabase, HeaderEntry, isLockedError } from "./entry-database.ts";
import { decode, isLive, Layout } from "./layout.ts";
import { type DenoKvStoreOptions, resolveDenoKvOptions } from "./options.ts";

const DenoKvBase: StoreClass<EnumerationCapability | "close" | AtomicCapability> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "close",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store on Deno KV (`Deno.openKv`, Deno only; run with `--unstable-kv`). Each entry is a
 * header key holding its timestamps and value JSON; a value too large for one Deno KV value is
 * split over chunk keys written in the same atomic commit. Every write checks the versionstamp it
 * read, so writes and the atomic operations hold between processes on one database; the
 * versionstamp is the version token. Expired entries read as missing and are removed by `cull()`.
 */
export class DenoKvStore extends DenoKvBase {
  /** The database file, `":memory:"`, or `undefined` for Deno's default. */
  readonly path: string | undefined;
  private readonly layout: Layout;
  private readonly busyTimeoutMs: number;
  private database: EntryDatabase | undefined;
  /** Concurrent increments of a key from this handle, committed together by one swap loop. */
  private readonly counters = new IncrementBatcher((collection, key, changes) =>
    incrementBySwap(this.db().swapTarget(collection, key, this.clock), changes),
  );

  /** @throws TypeError when `path` or `prefix` is not a non-empty string; RangeError for a bad `busyTimeoutMs` */
  constructor(options: DenoKvStoreOptions = {}) {
    super(options);
    const { path, prefix, busyTimeoutMs } = resolveDenoKvOptions(options);
    this.path = path;
    this.busyTimeoutMs = busyTimeoutMs;
    this.layout = new Layout(prefix);
  }

  protected override async setup(): Promise<void> {
    this.database = new EntryDatabase(await openKv(this.path), this.layout, this.busyTimeoutMs);
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && isLockedError(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const { header, chunks } = await this.db().read(collection, key);
    return isLive(header.value, this.clock.now())
      ? decode(header.value, chunks, collection, key)
      : undefined;
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    for (;;) {
      const { header } = await this.db().read(collection, key);
      if (await this.db().replace(collection, key, header, entry)) return;
    }
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    for (;;) {
      const { header } = await this.db().read(collection, key);
      if (header.value === null) return false;
      if (await this.db().replace(collection, key, header, undefined)) {
        return isLive(header.value, this.clock.now());
      }
    }
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const now = this.clock.now();
    for await (const { key, header } of this.db().headers(collection)) {
      if (isLive(header.value, now)) yield key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    let last: string | undefined;
    for await (const { collection } of this.db().headers()) {
      if (collection !== last) yield collection;
      last = collection;
    }
  }

  protected dropCollection(collection: string): Promise<boolean> {
    return this.db().deleteCollection(collection);
  }

  protected dropAll(): Promise<boolean> {
    return this.db().deleteEverything();
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    for await (const { collection, key, header } of this.db().headers()) {
      if (!isLive(header.value, now)) await this.db().replace(collection, key, header, undefined);
    }
  }

  protected atomicEntry(collection: string, key: string): HeaderEntry {
    return new HeaderEntry(this.db(), collection, key, this.clock);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
  }

  protected async release(): Promise<void> {
    const database = this.database;
    this.database = undefined;
    database?.close();
  }

  private db(): EntryDatabase {
    if (this.database === undefined) {
      throw new StoreConnectionError({ message: "The Deno KV database is not open" });
    }
    return this.database;
  }
}

import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type BaseStoreOptions,
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
  type StoredVersion,
  type SwapTarget,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { type Kv, type KvEntryMaybe, openKv } from "./deno-api.ts";
import { decode, encode, type Header, isLive, Layout } from "./layout.ts";

/** Options of `DenoKvStore`. */
export interface DenoKvStoreOptions extends BaseStoreOptions {
  /** The database file, `":memory:"`, or `undefined` for Deno's default database of the script. */
  path?: string | undefined;
  /** The first part of every Deno KV key the store writes, so stores can share a database. @default "kv" */
  prefix?: string | undefined;
  /** How long a call retries while another handle on the same file holds its lock, in ms. @default 5000 */
  busyTimeoutMs?: number | undefined;
}

/** A header read together with the chunks it names. */
interface Stored {
  header: KvEntryMaybe<Header>;
  chunks: string[];
}

/** A stored entry with the header a conditional replace checks. */
interface Swappable {
  header: KvEntryMaybe<Header>;
  entry: ManagedEntry;
}

const getManyLimit = 10;
const locked = /database is (locked|busy)/i;
const mutationsPerCommit = 500;

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
  private kv: Kv | undefined;
  /** Concurrent increments of a key from this handle, committed together by one swap loop. */
  private readonly counters = new IncrementBatcher((collection, key, changes) =>
    incrementBySwap(this.swapTarget(collection, key), changes),
  );

  /** @throws TypeError when `path` or `prefix` is not a non-empty string; RangeError for a bad `busyTimeoutMs` */
  constructor(options: DenoKvStoreOptions = {}) {
    super(options);
    if (options.path !== undefined && (typeof options.path !== "string" || options.path === "")) {
      throw new TypeError("path must be a non-empty string");
    }
    const prefix = options.prefix ?? "kv";
    if (typeof prefix !== "string" || prefix === "") {
      throw new TypeError("prefix must be a non-empty string");
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(`busyTimeoutMs must be an integer of 0 or more, got ${busyTimeoutMs}`);
    }
    this.path = options.path;
    this.busyTimeoutMs = busyTimeoutMs;
    this.layout = new Layout(prefix);
  }

  protected override async setup(): Promise<void> {
    this.kv = await openKv(this.path);
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && locked.test(messageOf(error))) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const { header, chunks } = await this.read(collection, key);
    return isLive(header.value, this.clock.now())
      ? decode(header.value, chunks, collection, key)
      : undefined;
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    for (;;) {
      const { header } = await this.read(collection, key);
      if (await this.replace(collection, key, header, entry)) return;
    }
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    for (;;) {
      const { header } = await this.read(collection, key);
      if (header.value === null) return false;
      if (await this.replace(collection, key, header, undefined)) {
        return isLive(header.value, this.clock.now());
      }
    }
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const now = this.clock.now();
    for await (const { key, value } of this.db().list<Header>({
      prefix: this.layout.entries(collection),
    })) {
      if (isLive(value, now)) yield String(key.at(-1));
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    let last: string | undefined;
    for await (const { key } of this.db().list<Header>({ prefix: this.layout.entries() })) {
      const collection = String(key[2]);
      if (collection !== last) yield collection;
      last = collection;
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    const removed = await this.deleteAll(this.layout.entries(collection));
    await this.deleteAll(this.layout.chunksOf(collection));
    return removed > 0;
  }

  protected async dropAll(): Promise<boolean> {
    return (await this.deleteAll(this.layout.all())) > 0;
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    for await (const { key, value, versionstamp } of this.db().list<Header>({
      prefix: this.layout.entries(),
    })) {
      if (isLive(value, now)) continue;
      const [, , collection, name] = key;
      const header = { key, value, versionstamp };
      await this.replace(String(collection), String(name), header, undefined);
    }
  }

  protected async insertEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): Promise<boolean> {
    for (;;) {
      const { header } = await this.read(collection, key);
      if (isLive(header.value, this.clock.now())) return false;
      if (await this.replace(collection, key, header, entry)) return true;
    }
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    const { header, chunks } = await this.read(collection, key);
    if (!isLive(header.value, this.clock.now()) || header.versionstamp === null) return undefined;
    return {
      entry: decode(header.value, chunks, collection, key),
      version: header.versionstamp,
    };
  }

  protected async replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    return this.replaceAtVersion(collection, key, version, entry);
  }

  protected async removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean> {
    return this.replaceAtVersion(collection, key, version, undefined);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
  }

  protected async touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    for (;;) {
      const { header } = await this.read(collection, key);
      if (!isLive(header.value, this.clock.now())) return false;
      const touched: Header = { ...header.value, e: expiresAt ?? null };
      const atomic = this.db()
        .atomic()
        .check({ key: header.key, versionstamp: header.versionstamp })
        .set(header.key, touched);
      const committed = await this.whileLocked(() => atomic.commit());
      if (committed.ok) return true;
    }
  }

  protected async release(): Promise<void> {
    const kv = this.kv;
    this.kv = undefined;
    kv?.close();
  }

  /** An entry's header and the chunks it names, read again when a writer replaced them meanwhile. */
  private read(collection: string, key: string): Promise<Stored> {
    return this.whileLocked(() => this.readOnce(collection, key));
  }

  private async readOnce(collection: string, key: string): Promise<Stored> {
    for (;;) {
      const header = await this.db().get<Header>(this.layout.entry(collection, key));
      if (header.value === null || header.value.n === 0) return { header, chunks: [] };
      const keys = this.layout.chunks(collection, key, header.value);
      const chunks: (string | null)[] = [];
      for (let at = 0; at < keys.length; at += getManyLimit) {
        const read = await this.db().getMany<string>(keys.slice(at, at + getManyLimit));
        chunks.push(...read.map((chunk) => chunk.value));
      }
      if (chunks.every((chunk) => chunk !== null)) return { header, chunks: chunks as string[] };
    }
  }

  /** The entry at `key` as the protocol's compare-and-swap loop reads and writes it. */
  private swapTarget(collection: string, key: string): SwapTarget<Swappable, ManagedEntry> {
    return {
      collection,
      key,
      clock: this.clock,
      read: async () => {
        const { header, chunks } = await this.read(collection, key);
        if (header.value === null) return undefined;
        return { header, entry: decode(header.value, chunks, collection, key) };
      },
      write: (entry, stored) => {
        const absent = { key: this.layout.entry(collection, key), value: null, versionstamp: null };
        return this.replace(collection, key, stored?.header ?? absent, entry);
      },
    };
  }

  /** Replaces a live entry still at `version` with `entry` (deletes it for `undefined`). */
  private async replaceAtVersion(
    collection: string,
    key: string,
    version: string,
    entry: ManagedEntry | undefined,
  ): Promise<boolean> {
    const { header } = await this.read(collection, key);
    if (!isLive(header.value, this.clock.now()) || header.versionstamp !== version) return false;
    return this.replace(collection, key, header, entry);
  }

  /**
   * Replaces what `header` was read as with `entry` (deletes it for `undefined`), in one commit
   * that fails when the header changed since; `true` when committed.
   */
  private async replace(
    collection: string,
    key: string,
    header: KvEntryMaybe<Header>,
    entry: ManagedEntry | undefined,
  ): Promise<boolean> {
    const entryKey = this.layout.entry(collection, key);
    let atomic = this.db().atomic().check({ key: entryKey, versionstamp: header.versionstamp });
    if (header.value !== null) {
      for (const chunk of this.layout.chunks(collection, key, header.value)) {
        atomic = atomic.delete(chunk);
      }
    }
    if (entry === undefined) atomic = atomic.delete(entryKey);
    else {
      const encoded = encode(entry);
      atomic = atomic.set(entryKey, encoded.header);
      const chunkKeys = this.layout.chunks(collection, key, encoded.header);
      for (const [index, chunkKey] of chunkKeys.entries()) {
        atomic = atomic.set(chunkKey, encoded.chunks[index]);
      }
    }
    return this.whileLocked(async () => (await atomic.commit()).ok);
  }

  /**
   * Runs a call again, after a short random pause, while another handle on the database file
   * holds its lock, for up to `busyTimeoutMs`; then its error stands.
   */
  private async whileLocked<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!locked.test(messageOf(error)) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 10));
      }
    }
  }

  /** Deletes every key under `prefix`, a batch of keys per commit; returns how many entries went. */
  private async deleteAll(
    prefix: readonly (string | number | bigint | boolean | Uint8Array)[],
  ): Promise<number> {
    let deleted = 0;
    let batch = this.db().atomic();
    let size = 0;
    for await (const { key } of this.db().list({ prefix })) {
      batch = batch.delete(key);
      if (key[1] === "e") deleted++;
      if (++size === mutationsPerCommit) {
        await batch.commit();
        batch = this.db().atomic();
        size = 0;
      }
    }
    if (size > 0) await batch.commit();
    return deleted;
  }

  private db(): Kv {
    if (this.kv === undefined) {
      throw new StoreConnectionError({ message: "The Deno KV database is not open" });
    }
    return this.kv;
  }
}

import {
  type AtomicEntry,
  type Clock,
  compareAndSwap,
  insertBySwap,
  type ManagedEntry,
  messageOf,
  type StoredVersion,
  type SwapTarget,
} from "@kv/protocol";
import type { Kv, KvEntryMaybe, KvKey } from "./deno-api.ts";
import { decode, encode, type Header, isLive, type Layout } from "./layout.ts";

/** A header read together with the chunks it names. */
export interface Stored {
  header: KvEntryMaybe<Header>;
  chunks: string[];
}

/** A stored header, with the collection and key of its entry. */
export interface ListedHeader {
  collection: string;
  key: string;
  header: KvEntryMaybe<Header> & { value: Header };
}

/** A stored entry with the header a conditional replace checks. */
interface Swappable {
  header: KvEntryMaybe<Header>;
  entry: ManagedEntry;
}

const getManyLimit = 10;
const mutationsPerCommit = 500;
const locked = /database is (locked|busy)/i;

/** Whether an error says that another handle on the database file holds its lock. */
export function isLockedError(error: unknown): boolean {
  return locked.test(messageOf(error));
}

/**
 * The entries of one store in an open Deno KV database, under its layout: each read gives a
 * header with the chunks it names, each write replaces them in one commit that checks the
 * header's versionstamp, and a read or commit runs again while another handle holds the lock.
 */
export class EntryDatabase {
  private readonly kv: Kv;
  private readonly layout: Layout;
  private readonly busyTimeoutMs: number;

  constructor(kv: Kv, layout: Layout, busyTimeoutMs: number) {
    this.kv = kv;
    this.layout = layout;
    this.busyTimeoutMs = busyTimeoutMs;
  }

  /** Every stored header (expired ones too), or those of one collection, in key order. */
  async *headers(collection?: string): AsyncIterable<ListedHeader> {
    for await (const header of this.kv.list<Header>({ prefix: this.layout.entries(collection) })) {
      yield { ...this.layout.locate(header.key), header };
    }
  }

  /** An entry's header and the chunks it names, read again when a writer replaced them meanwhile. */
  read(collection: string, key: string): Promise<Stored> {
    return this.whileLocked(() => this.readOnce(collection, key));
  }

  /**
   * Replaces what `header` was read as with `entry` (deletes it for `undefined`), in one commit
   * that fails when the header changed since; `true` when committed.
   */
  async replace(
    collection: string,
    key: string,
    header: KvEntryMaybe<Header>,
    entry: ManagedEntry | undefined,
  ): Promise<boolean> {
    const entryKey = this.layout.entry(collection, key);
    let atomic = this.kv.atomic().check({ key: entryKey, versionstamp: header.versionstamp });
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

  /** The entry at `key` as the protocol's compare-and-swap loop reads and writes it. */
  swapTarget(collection: string, key: string, clock: Clock): SwapTarget<Swappable, ManagedEntry> {
    return {
      collection,
      key,
      clock,
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

  /** Deletes every entry of one collection, expired ones too; `true` when it held any. */
  async deleteCollection(collection: string): Promise<boolean> {
    const removed = await this.deleteAll(this.layout.entries(collection));
    await this.deleteAll(this.layout.chunksOf(collection));
    return removed > 0;
  }

  /** Deletes everything the store wrote; `true` when there were any entries. */
  async deleteEverything(): Promise<boolean> {
    return (await this.deleteAll(this.layout.all())) > 0;
  }

  /** Closes the database. */
  close(): void {
    this.kv.close();
  }

  private async readOnce(collection: string, key: string): Promise<Stored> {
    for (;;) {
      const header = await this.kv.get<Header>(this.layout.entry(collection, key));
      if (header.value === null || header.value.n === 0) return { header, chunks: [] };
      const keys = this.layout.chunks(collection, key, header.value);
      const chunks: (string | null)[] = [];
      for (let at = 0; at < keys.length; at += getManyLimit) {
        const read = await this.kv.getMany<string>(keys.slice(at, at + getManyLimit));
        chunks.push(...read.map((chunk) => chunk.value));
      }
      if (chunks.every((chunk) => chunk !== null)) return { header, chunks: chunks as string[] };
    }
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
        if (!isLockedError(error) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 10));
      }
    }
  }

  /** Deletes every key under `prefix`, a batch of keys per commit; returns how many entries went. */
  private async deleteAll(prefix: KvKey): Promise<number> {
    let deleted = 0;
    let batch = this.kv.atomic();
    let size = 0;
    for await (const { key } of this.kv.list({ prefix })) {
      batch = batch.delete(key);
      if (this.layout.isEntry(key)) deleted++;
      if (++size === mutationsPerCommit) {
        await batch.commit();
        batch = this.kv.atomic();
        size = 0;
      }
    }
    if (size > 0) await batch.commit();
    return deleted;
  }
}

/**
 * The atomic operations on one entry's header key (the store's `atomicEntry`). The version is the
 * header's versionstamp; every write is one commit that checks the versionstamp it read.
 */
export class HeaderEntry implements AtomicEntry {
  readonly #database: EntryDatabase;
  readonly #collection: string;
  readonly #key: string;
  readonly #clock: Clock;

  constructor(database: EntryDatabase, collection: string, key: string, clock: Clock) {
    this.#database = database;
    this.#collection = collection;
    this.#key = key;
    this.#clock = clock;
  }

  /**
   * Commits the entry checking that the header key is absent (first without reading), or over an
   * expired entry that its versionstamp is the one read; retried when another writer commits first.
   * @throws UpdateConflictError after 32 lost rounds; DeserializationError when an expired entry's
   * stored value is not a JSON object
   */
  insert(entry: ManagedEntry): Promise<boolean> {
    return insertBySwap(this.#database.swapTarget(this.#collection, this.#key, this.#clock), entry);
  }

  /**
   * The live entry, read from its header and chunks, with the header's versionstamp.
   * @throws DeserializationError when the stored value is not a JSON object
   */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const { header, chunks } = await this.#database.read(this.#collection, this.#key);
    if (!isLive(header.value, this.#clock.now()) || header.versionstamp === null) return undefined;
    return {
      entry: decode(header.value, chunks, this.#collection, this.#key),
      version: header.versionstamp,
    };
  }

  /** Commits the entry over the live one while its header's versionstamp is `version`. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    return this.#replaceAt(version, entry);
  }

  /** Deletes the live entry (its header and chunks) while its header's versionstamp is `version`. */
  removeVersioned(version: string): Promise<boolean> {
    return this.#replaceAt(version, undefined);
  }

  /**
   * Reads the entry, then commits it with only its expiry changed, checking the versionstamp read;
   * retried when another writer commits first.
   * @throws UpdateConflictError after 32 lost rounds; DeserializationError when the stored value is
   * not a JSON object
   */
  touch(expiresAt: number | undefined): Promise<boolean> {
    const target = this.#database.swapTarget(this.#collection, this.#key, this.#clock);
    return compareAndSwap(target, "touch", (live) =>
      live === undefined
        ? { result: false }
        : { write: { ...live.entry, expiresAt }, result: true },
    );
  }

  /**
   * Reads the header, then replaces a live entry still at `version` with `entry` (deletes it for
   * `undefined`) in one commit checking that versionstamp.
   */
  async #replaceAt(version: string, entry: ManagedEntry | undefined): Promise<boolean> {
    const { header } = await this.#database.read(this.#collection, this.#key);
    if (!isLive(header.value, this.#clock.now()) || header.versionstamp !== version) return false;
    return this.#database.replace(this.#collection, this.#key, header, entry);
  }
}

import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  type ErrorContext,
  type KeyValueError,
  type ManagedEntry,
  mapStoreError,
  type ReadBatcher,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import type { Cluster, Redis } from "ioredis";
import { KeyEntry } from "./atomic.ts";
import { openClient, type RedisStoreOptions } from "./client.ts";
import { byExpiry, decodeEntry, encodeEntry, expiryMs, sameTimes } from "./codec.ts";
import { ClusterCommands, type Commands, StandaloneCommands } from "./commands.ts";
import { type Connection, isConnectionError, redactCredentials } from "./connection.ts";
import { Layout } from "./layout.ts";

const capabilities = [
  "keys",
  "collections",
  "destroyCollection",
  "destroy",
  "close",
  "entries",
] as const;

const RedisBase: StoreClass<(typeof capabilities)[number] | AtomicCapability> = storeWith(
  ...capabilities,
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store on Redis or Redis Cluster (ioredis), in py-key-value's layout: one string key
 * `collection::key` per entry holding its JSON document, expiring natively (`PX`, in ms).
 * Bulk calls are one command (one per node on a Cluster); concurrent single reads issued in the
 * same tick are sent together as one `MGET`. The atomic operations are one script each on the
 * entry's key (see `KeyEntry`); a version is the SHA1 of the stored document.
 */
export class RedisStore extends RedisBase {
  private readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly layout: Layout;
  private readonly commands: Commands;
  private readonly connection: Connection;
  /** The single reads of one turn, sent as one `GET`, or one `MGET` for several. */
  private readonly reads: ReadBatcher<string, string | null>;

  /**
   * @throws InvalidKeyError for a bad `defaultCollection` or `namespace`
   * @throws StoreConfigurationError when the URL or another option cannot work (nothing connects)
   */
  constructor(options: RedisStoreOptions = {}) {
    super(options);
    this.layout = new Layout(options.namespace);
    const { client, owned, connection } = openClient(options);
    this.client = client;
    this.owned = owned;
    this.connection = connection;
    this.commands = client.isCluster
      ? new ClusterCommands(client, connection)
      : new StandaloneCommands(client, connection);
    const commands = this.commands;
    this.reads = this.batchReads(
      (key) => commands.get(key),
      (keys) => commands.getMany(keys),
    );
  }

  protected getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.reads.read(this.layout.collectionPrefix(collection) + key).then(parseEntry);
  }

  protected override getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const prefix = this.layout.collectionPrefix(collection);
    const redisKeys = new Array<string>(keys.length);
    for (let index = 0; index < keys.length; index++) redisKeys[index] = prefix + keys[index];
    return this.commands.getMany(redisKeys).then(parseEntries);
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const { layout } = this;
    const json = encodeEntry(entry, layout.collectionJson(collection), key);
    const sent = this.commands.set(
      layout.collectionPrefix(collection) + key,
      json,
      expiryMs(entry),
    );
    return sent as Promise<void>;
  }

  protected override putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const prefix = this.layout.collectionPrefix(collection);
    const collectionJson = this.layout.collectionJson(collection);
    const pairs = new Array<string>(entries.length * 2);
    for (let index = 0; index < entries.length; index++) {
      const [key, entry] = entries[index] as readonly [string, ManagedEntry];
      pairs[2 * index] = prefix + key;
      pairs[2 * index + 1] = encodeEntry(entry, collectionJson, key);
    }
    const first = entries[0]?.[1];
    if (first === undefined || entries.every(([, entry]) => sameTimes(entry, first))) {
      return this.commands.setMany(pairs, first && expiryMs(first)) as Promise<void>;
    }
    const groups = byExpiry(pairs, entries, this.clock.now());
    return Promise.all(groups.map(([px, group]) => this.commands.setMany(group, px))).then(
      () => undefined,
    );
  }

  protected deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.commands.unlink(this.layout.collectionPrefix(collection) + key);
  }

  protected override deleteEntries(collection: string, keys: readonly string[]): Promise<number> {
    const prefix = this.layout.collectionPrefix(collection);
    return this.commands.unlinkMany(keys.map((key) => prefix + key));
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    redactCredentials(error);
    return mapStoreError(error, context, isConnectionError);
  }

  /** One `SCAN` page at a time (on every master of a Cluster). */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const start = this.layout.collectionPrefix(collection).length;
    for await (const page of this.commands.scan(this.layout.collectionPattern(collection))) {
      for (const redisKey of page) yield redisKey.slice(start);
    }
  }

  /** Scans the namespace's keys, remembering the names seen. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    const seen = new Set<string>();
    for await (const page of this.commands.scan(this.layout.storePattern())) {
      for (const redisKey of page) {
        const collection = this.layout.parse(redisKey)?.[0];
        if (collection === undefined || seen.has(collection)) continue;
        seen.add(collection);
        yield collection;
      }
    }
  }

  /** Unlinks the collection's keys page by page; other collections are untouched. */
  protected async dropCollection(collection: string): Promise<boolean> {
    let removed = 0;
    for await (const page of this.commands.scan(this.layout.collectionPattern(collection))) {
      removed += await this.commands.unlinkMany(page);
    }
    return removed > 0;
  }

  /**
   * Unlinks every key of the store's layout and namespace that holds an entry document; never
   * `FLUSHDB`, so other data in the database survives.
   */
  protected async dropAll(): Promise<boolean> {
    let removed = 0;
    for await (const page of this.commands.scan(this.layout.storePattern())) {
      const candidates = page.filter((redisKey) => this.layout.parse(redisKey) !== undefined);
      if (candidates.length === 0) continue;
      const values = await this.commands.getMany(candidates);
      const entries = candidates.filter((_, index) => isEntryDocument(values[index]));
      if (entries.length > 0) removed += await this.commands.unlinkMany(entries);
    }
    return removed > 0;
  }

  protected atomicEntry(collection: string, key: string): KeyEntry {
    return new KeyEntry(this.commands, this.layout, this.clock, collection, key);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.atomicEntry(collection, key).add(change);
  }

  /** Closes the connection when the store opened it; a borrowed client stays open. */
  protected async release(): Promise<void> {
    this.connection.stop();
    if (!this.owned) return;
    if (this.client.status === "ready") {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}

function parseEntry(json: string | null | undefined): ManagedEntry | undefined {
  return json === null || json === undefined ? undefined : decodeEntry(json);
}

function parseEntries(values: readonly (string | null)[]): (ManagedEntry | undefined)[] {
  const entries = new Array<ManagedEntry | undefined>(values.length);
  for (let index = 0; index < values.length; index++) entries[index] = parseEntry(values[index]);
  return entries;
}

function isEntryDocument(json: string | null | undefined): boolean {
  try {
    return parseEntry(json) !== undefined;
  } catch {
    return false;
  }
}

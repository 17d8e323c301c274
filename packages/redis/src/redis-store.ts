import {
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  type StoreClass,
  StoreConnectionError,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import type { Cluster, Redis } from "ioredis";
import { openClient, type RedisStoreOptions } from "./client.ts";
import { decodeEntry, encodeEntry } from "./codec.ts";
import { ClusterCommands, type Commands, StandaloneCommands } from "./commands.ts";
import { isConnectionError, redactCredentials } from "./connection.ts";
import { Layout } from "./layout.ts";

interface PendingRead {
  resolve(entry: ManagedEntry | undefined): void;
  reject(error: unknown): void;
}

const RedisBase: StoreClass<"keys" | "collections" | "destroyCollection" | "destroy" | "close"> =
  storeWith("keys", "collections", "destroyCollection", "destroy", "close");

/**
 * A store on Redis or Redis Cluster (ioredis), in py-key-value's layout: one string key
 * `collection::key` per entry holding its JSON document, expiring natively (`PX`, in ms).
 * Bulk calls are one command (one per node on a Cluster); concurrent single reads issued in the
 * same tick are sent together as one `MGET`.
 */
export class RedisStore extends RedisBase {
  private readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly layout: Layout;
  private readonly commands: Commands;
  private readKeys: string[] = [];
  private readWaiters: PendingRead[] = [];

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
    this.commands = client.isCluster
      ? new ClusterCommands(client, connection)
      : new StandaloneCommands(client, connection);
  }

  protected getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const redisKey = this.layout.collectionPrefix(collection) + key;
    return new Promise((resolve, reject) => {
      if (this.readKeys.length === 0) process.nextTick(this.flushReads);
      this.readKeys.push(redisKey);
      this.readWaiters.push({ resolve, reject });
    });
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    this.flushReads();
    const prefix = this.layout.collectionPrefix(collection);
    const values = await this.commands.getMany(keys.map((key) => prefix + key));
    return values.map(parseEntry);
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.flushReads();
    const redisKey = this.layout.collectionPrefix(collection) + key;
    const json = encodeEntry(entry, JSON.stringify(collection), key);
    await this.commands.set(redisKey, json, expiryMs(entry));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    this.flushReads();
    const prefix = this.layout.collectionPrefix(collection);
    const collectionJson = JSON.stringify(collection);
    const keys = new Array<string>(entries.length);
    const values = new Array<string>(entries.length);
    for (let index = 0; index < entries.length; index++) {
      const [key, entry] = entries[index] as readonly [string, ManagedEntry];
      keys[index] = prefix + key;
      values[index] = encodeEntry(entry, collectionJson, key);
    }
    const first = entries[0];
    await this.commands.setMany(keys, values, first && expiryMs(first[1]));
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    this.flushReads();
    return this.commands.unlink(this.layout.collectionPrefix(collection) + key);
  }

  protected override deleteEntries(collection: string, keys: readonly string[]): Promise<number> {
    this.flushReads();
    const prefix = this.layout.collectionPrefix(collection);
    return this.commands.unlinkMany(keys.map((key) => prefix + key));
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    redactCredentials(error);
    if (KeyValueError.isInstance(error) || !isConnectionError(error)) {
      return toStoreError(error, context);
    }
    return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
  }

  /** One `SCAN` page at a time (on every master of a Cluster). */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    this.flushReads();
    const start = this.layout.collectionPrefix(collection).length;
    for await (const page of this.commands.scan(this.layout.collectionPattern(collection))) {
      for (const redisKey of page) yield redisKey.slice(start);
    }
  }

  /** Scans the namespace's keys, remembering the names seen. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    this.flushReads();
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
    this.flushReads();
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
    this.flushReads();
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

  /** Closes the connection when the store opened it; a borrowed client stays open. */
  protected async release(): Promise<void> {
    this.flushReads();
    if (!this.owned) return;
    if (this.client.status === "ready") {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  /** Sends the single reads queued in this tick: one `GET`, or one `MGET` for several. */
  private readonly flushReads = (): void => {
    const keys = this.readKeys;
    if (keys.length === 0) return;
    const waiters = this.readWaiters;
    this.readKeys = [];
    this.readWaiters = [];
    const only = waiters.length === 1 ? waiters[0] : undefined;
    if (only !== undefined) {
      this.commands.get(keys[0] as string).then((value) => {
        try {
          only.resolve(parseEntry(value));
        } catch (error) {
          only.reject(error);
        }
      }, only.reject);
      return;
    }
    this.commands.getMany(keys).then(
      (values) => {
        for (let index = 0; index < waiters.length; index++) {
          const waiter = waiters[index] as PendingRead;
          try {
            waiter.resolve(parseEntry(values[index]));
          } catch (error) {
            waiter.reject(error);
          }
        }
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  };
}

function parseEntry(json: string | null | undefined): ManagedEntry | undefined {
  return json === null || json === undefined ? undefined : decodeEntry(json);
}

function isEntryDocument(json: string | null | undefined): boolean {
  try {
    return parseEntry(json) !== undefined;
  } catch {
    return false;
  }
}

/** Milliseconds until the entry expires (at least 1), or `undefined` when it never does. */
function expiryMs(entry: ManagedEntry): number | undefined {
  if (entry.expiresAt === undefined) return undefined;
  return Math.max(1, Math.round(entry.expiresAt - (entry.createdAt ?? Date.now())));
}

import {
  BaseStore,
  type BaseStoreOptions,
  type CollectionOptions,
  type CollectionsOptions,
  type ErrorContext,
  isExpired,
  type KeysOptions,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  StoreConnectionError,
  takeFirst,
  toStoreError,
} from "@kv/protocol";
import { ClassicLevel, type OpenOptions } from "classic-level";
import {
  CollectionRegistry,
  entrySpace,
  type KeyRange,
  rangeOf,
  type WriteOperation,
} from "./collection-registry.ts";
import { decodeEntry, encodeEntry } from "./entry-codec.ts";

/** Options shared by both ways of making a `LevelDbStore`. */
interface LevelDbStoreCommonOptions extends BaseStoreOptions {
  /** Waits for each write to reach the device (LevelDB's `sync`), so it survives a power loss. @default false */
  sync?: boolean | undefined;
}

/** A store on a database it opens and closes itself. */
export interface LevelDbStoreLocationOptions extends LevelDbStoreCommonOptions {
  /** The database directory; created when missing. Opened on first use, closed by `close()`. */
  location: string;
  /** classic-level's open options (`cacheSize`, `writeBufferSize`, `compression` …). */
  openOptions?: OpenOptions | undefined;
  /** Not allowed with `location`. */
  client?: undefined;
}

/** A store on a database the caller opened; `close()` leaves it open. */
export interface LevelDbStoreClientOptions extends LevelDbStoreCommonOptions {
  /** An existing database. Its default encodings do not matter: the store names its own. */
  client: ClassicLevel<string, string>;
  /** Not allowed with `client`. */
  location?: undefined;
}

/** Options of `LevelDbStore`: a `location` to own, or a `client` to borrow. */
export type LevelDbStoreOptions = LevelDbStoreLocationOptions | LevelDbStoreClientOptions;

/** Per-call encodings, so a borrowed database's defaults do not matter. */
const utf8 = { keyEncoding: "utf8", valueEncoding: "utf8" } as const;
type CallOptions = { keyEncoding?: "utf8"; valueEncoding?: "utf8" };
/** How many expired keys `cull()` deletes per batch. */
const cullBatchSize = 1000;
/** classic-level codes of failures that pass: the database is locked, opening or closing. */
const transientCodes = new Set([
  "LEVEL_LOCKED",
  "LEVEL_DATABASE_NOT_OPEN",
  "LEVEL_ITERATOR_NOT_OPEN",
]);

type Database = ClassicLevel<string, string>;

/**
 * A store in one LevelDB database (classic-level): each collection gets a short id the first time
 * it is written (`!collection!<name>` → `<id>`), its entries are the key range `<id>:<key>`, and
 * each value is py-key-value's entry document.
 */
export class LevelDbStore extends BaseStore {
  private readonly location: string | undefined;
  private readonly openOptions: OpenOptions | undefined;
  private readonly owned: boolean;
  private readonly sync: boolean;
  /** Per-call options of the hot paths: empty when the database's defaults are already utf8. */
  private readOptions: CallOptions = utf8;
  private writeOptions: CallOptions & { sync?: boolean } = utf8;
  private db: Database | undefined;
  private readonly registry: CollectionRegistry;

  /** @throws TypeError when neither `location` nor `client` is given */
  constructor(options: LevelDbStoreOptions) {
    super(options);
    if (options.client !== undefined) {
      this.db = options.client;
      this.owned = false;
    } else if (typeof options.location === "string" && options.location.length > 0) {
      this.location = options.location;
      this.openOptions = options.openOptions;
      this.owned = true;
    } else {
      throw new TypeError("LevelDbStore needs a `location` or a `client`");
    }
    this.sync = options.sync ?? false;
    this.registry = new CollectionRegistry(() => this.database());
  }

  protected override async setup(): Promise<void> {
    if (this.db === undefined && this.location !== undefined) {
      this.db = new ClassicLevel<string, string>(this.location, {
        ...this.openOptions,
        createIfMissing: true,
      });
    }
    const db = this.database();
    const native =
      db.keyEncoding().commonName === "utf8" && db.valueEncoding().commonName === "utf8";
    this.readOptions = native ? {} : utf8;
    this.writeOptions = { ...this.readOptions, ...(this.sync ? { sync: true } : {}) };
    if (db.status === "open") return;
    try {
      await db.open();
    } catch (error) {
      if (isTransient(error)) {
        throw new StoreConnectionError({
          message: messageOf(error),
          cause: error,
          operation: "setup",
        });
      }
      throw error;
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const prefix = await this.registry.find(collection);
    if (prefix === undefined) return undefined;
    const text = await this.database().get<string, string>(prefix + key, this.readOptions);
    return text === undefined ? undefined : decodeEntry(text);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const prefix = await this.registry.find(collection);
    if (prefix === undefined) return keys.map(() => undefined);
    const texts = await this.database().getMany<string, string>(
      keys.map((key) => prefix + key),
      this.readOptions,
    );
    return texts.map((text) => (text === undefined ? undefined : decodeEntry(text)));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const value = encodeEntry(entry);
    await this.registry.write(collection, (prefix, registration) =>
      registration.length === 0
        ? this.database().put<string, string>(prefix + key, value, this.writeOptions)
        : this.write([...registration, { type: "put", key: prefix + key, value }]),
    );
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    await this.registry.write(collection, (prefix, registration) => {
      const operations: WriteOperation[] = entries.map(([key, entry]) => ({
        type: "put",
        key: prefix + key,
        value: encodeEntry(entry),
      }));
      return this.write(registration.length === 0 ? operations : [...registration, ...operations]);
    });
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    const prefix = await this.registry.find(collection);
    if (prefix === undefined) return 0;
    const databaseKeys = keys.map((key) => prefix + key);
    const found = await this.database().getMany<string, string>(databaseKeys, utf8);
    const now = this.clock.now();
    const operations: WriteOperation[] = [];
    let live = 0;
    for (const [index, text] of found.entries()) {
      if (text === undefined) continue;
      operations.push({ type: "del", key: databaseKeys[index] as string });
      if (!isExpiredText(text, now)) live += 1;
    }
    if (operations.length > 0) await this.write(operations);
    return live;
  }

  /**
   * Lists up to `limit` live keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  /**
   * Yields every live key of a collection with a range iterator, in bounded memory.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    return this.iterate("keys", collection, () => this.liveKeys(collection));
  }

  /**
   * Lists up to `limit` collections holding entries.
   * @throws StoreError
   */
  collections(options?: CollectionsOptions): Promise<string[]> {
    return takeFirst(this.iterateCollections(), options?.limit);
  }

  /**
   * Yields every collection holding entries, in name order: the registry, and one key read each.
   * @throws StoreError
   */
  iterateCollections(): AsyncIterable<string> {
    return this.iterate("collections", undefined, () => this.collectionNames());
  }

  /**
   * Deletes every entry of one collection, in batches.
   * @returns `true` when it held any.
   * @throws InvalidKeyError, StoreError
   */
  destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    return this.guard("destroyCollection", undefined, async () => {
      const prefix = await this.registry.find(name);
      return prefix !== undefined && (await this.deleteRange(rangeOf(prefix))) > 0;
    });
  }

  /**
   * Deletes every entry of every collection (the registry of collection ids is kept).
   * @returns `true` when there were any.
   * @throws StoreError
   */
  destroy(): Promise<boolean> {
    return this.guard("destroy", undefined, async () => (await this.deleteRange(entrySpace)) > 0);
  }

  /**
   * Deletes expired entries, reading the whole database once and deleting in batches of 1 000.
   * @throws StoreError
   */
  cull(): Promise<void> {
    return this.guard("cull", undefined, async () => {
      const now = this.clock.now();
      let expired: string[] = [];
      const entries = this.database().iterator<string, string>({ ...entrySpace, ...utf8 });
      for await (const [key, text] of entries) {
        if (!isExpiredText(text, now)) continue;
        expired.push(key);
        if (expired.length >= cullBatchSize) {
          await this.deleteStillExpired(expired, now);
          expired = [];
        }
      }
      if (expired.length > 0) await this.deleteStillExpired(expired, now);
    });
  }

  /**
   * Closes the database when the store opened it; a borrowed `client` stays open. Harmless twice;
   * the next call opens the database again.
   * @throws StoreError
   */
  async close(): Promise<void> {
    if (!this.owned || this.db === undefined) return;
    const db = this.db;
    this.db = undefined;
    this.forgetSetup();
    try {
      await db.close();
    } catch (error) {
      throw this.mapError(error, { operation: "close" });
    }
  }

  private database(): Database {
    if (this.db === undefined) {
      throw new StoreConnectionError({ message: "The database is closed" });
    }
    return this.db;
  }

  private async write(operations: WriteOperation[]): Promise<void> {
    await this.database().batch<string, string>(operations, this.writeOptions);
  }

  private async *liveKeys(collection: string): AsyncGenerator<string, void, undefined> {
    const prefix = await this.registry.find(collection);
    if (prefix === undefined) return;
    const range = rangeOf(prefix);
    const iterator = this.database().iterator<string, string>({ ...range, ...utf8 });
    for await (const [key, text] of iterator) {
      if (!isExpiredText(text, this.clock.now())) yield key.slice(prefix.length);
    }
  }

  private async *collectionNames(): AsyncGenerator<string, void, undefined> {
    for await (const [collection, prefix] of this.registry.all()) {
      const [first] = await this.database()
        .keys<string>({ ...rangeOf(prefix), limit: 1, keyEncoding: "utf8" })
        .all();
      if (first !== undefined) yield collection;
    }
  }

  /** Deletes every key in a range, reading keys only, in batches; returns how many. */
  private async deleteRange(range: KeyRange): Promise<number> {
    let removed = 0;
    const iterator = this.database().keys<string>({ ...range, keyEncoding: "utf8" });
    try {
      for (;;) {
        const keys = await iterator.nextv(cullBatchSize);
        if (keys.length === 0) break;
        await this.write(keys.map((key) => ({ type: "del", key })));
        removed += keys.length;
      }
    } finally {
      await iterator.close();
    }
    return removed;
  }

  /** Deletes the given keys that are still expired (an entry rewritten meanwhile is kept). */
  private async deleteStillExpired(keys: string[], now: number): Promise<void> {
    const current = await this.database().getMany<string, string>(keys, utf8);
    const operations: WriteOperation[] = [];
    for (const [index, text] of current.entries()) {
      if (text !== undefined && isExpiredText(text, now)) {
        operations.push({ type: "del", key: keys[index] as string });
      }
    }
    if (operations.length > 0) await this.write(operations);
  }
}

/** True when a stored document has expired at `now`; unreadable documents count as live. */
function isExpiredText(text: string, now: number): boolean {
  try {
    return isExpired(decodeEntry(text), now);
  } catch {
    return false;
  }
}

/** Locked by another process, or used while closed or closing: worth retrying. */
function isTransient(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (code === "LEVEL_DATABASE_NOT_OPEN" && typeof cause?.code === "string") {
    return cause.code === "LEVEL_LOCKED";
  }
  return typeof code === "string" && transientCodes.has(code);
}

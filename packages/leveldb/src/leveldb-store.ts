import {
  type BaseStoreOptions,
  type ErrorContext,
  KeyValueError,
  type ManagedEntry,
  messageOf,
  type StoreClass,
  StoreConnectionError,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import { ClassicLevel, type OpenOptions } from "classic-level";
import {
  CollectionRegistry,
  entrySpace,
  rangeOf,
  utf8,
  type WriteOperation,
} from "./collection-registry.ts";
import { DatabaseCalls } from "./database-calls.ts";
import { decodeEntry, encodeEntry, isExpiredText } from "./entry-codec.ts";
import { deleteExpired, deleteRange } from "./range-deletes.ts";

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

/** classic-level codes of failures that pass: the database is locked, opening or closing. */
const transientCodes = new Set([
  "LEVEL_LOCKED",
  "LEVEL_DATABASE_NOT_OPEN",
  "LEVEL_ITERATOR_NOT_OPEN",
]);

type Database = ClassicLevel<string, string>;

const LevelDbBase: StoreClass<
  "keys" | "collections" | "destroyCollection" | "destroy" | "cull" | "close" | "entries"
> = storeWith("keys", "collections", "destroyCollection", "destroy", "cull", "close", "entries");

/**
 * A store in one LevelDB database (classic-level): each collection gets a short id the first time
 * it is written (`!collection!<name>` → `<id>`), its entries are the key range `<id>:<key>`, and
 * each value is py-key-value's entry document.
 */
export class LevelDbStore extends LevelDbBase {
  private readonly location: string | undefined;
  private readonly openOptions: OpenOptions | undefined;
  private readonly owned: boolean;
  private readonly sync: boolean;
  private db: Database | undefined;
  /** The hot paths' calls on `db`, made by `setup`. */
  private calls: DatabaseCalls | undefined;
  private readonly registry: CollectionRegistry;
  /** Writes one batch with the store's write options. */
  private readonly batch = (operations: WriteOperation[]): Promise<void> =>
    opened(this.calls).batch(operations);

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
    this.calls = new DatabaseCalls(db, this.sync);
    if (db.status !== "open") await db.open();
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (!KeyValueError.isInstance(error) && isTransient(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const prefix = this.registry.cached(collection) ?? (await this.registry.find(collection));
    if (prefix === undefined) return undefined;
    const text = await opened(this.calls).get(prefix + key);
    return text === undefined ? undefined : decodeEntry(text);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const prefix = this.registry.cached(collection) ?? (await this.registry.find(collection));
    if (prefix === undefined) return keys.map(() => undefined);
    const texts = await opened(this.calls).getMany(keys.map((key) => prefix + key));
    return texts.map((text) => (text === undefined ? undefined : decodeEntry(text)));
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const value = encodeEntry(entry);
    return this.registry.write(collection, (prefix, registration) =>
      registration.length === 0
        ? opened(this.calls).put(prefix + key, value)
        : this.batch([...registration, { type: "put", key: prefix + key, value }]),
    );
  }

  protected override putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    return this.registry.write(collection, (prefix, registration) => {
      const operations = entries.map(
        (pair): WriteOperation => ({
          type: "put",
          key: prefix + pair[0],
          value: encodeEntry(pair[1]),
        }),
      );
      return this.batch(registration.length === 0 ? operations : [...registration, ...operations]);
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
    const found = await opened(this.calls).getMany(databaseKeys);
    const now = this.clock.now();
    const operations: WriteOperation[] = [];
    let live = 0;
    for (const [index, text] of found.entries()) {
      if (text === undefined) continue;
      operations.push({ type: "del", key: databaseKeys[index] as string });
      if (!isExpiredText(text, now)) live += 1;
    }
    if (operations.length > 0) await this.batch(operations);
    return live;
  }

  /** One range iterator over the collection's keys. */
  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const prefix = await this.registry.find(collection);
    if (prefix === undefined) return;
    const iterator = this.database().iterator<string, string>({ ...rangeOf(prefix), ...utf8 });
    for await (const [key, text] of iterator) {
      if (!isExpiredText(text, this.clock.now())) yield key.slice(prefix.length);
    }
  }

  /** The registry in name order, and one key read per collection to skip empty ones. */
  protected async *enumerateCollections(): AsyncIterable<string> {
    for await (const [collection, prefix] of this.registry.all()) {
      const [first] = await this.database()
        .keys<string>({ ...rangeOf(prefix), limit: 1, keyEncoding: "utf8" })
        .all();
      if (first !== undefined) yield collection;
    }
  }

  /** Deletes the collection's key range in batches (its id stays registered). */
  protected async dropCollection(collection: string): Promise<boolean> {
    const prefix = await this.registry.find(collection);
    return (
      prefix !== undefined && (await deleteRange(this.database(), rangeOf(prefix), this.batch)) > 0
    );
  }

  /** Deletes every entry of every collection; the registry of collection ids is kept. */
  protected async dropAll(): Promise<boolean> {
    return (await deleteRange(this.database(), entrySpace, this.batch)) > 0;
  }

  protected removeExpired(): Promise<void> {
    return deleteExpired(this.database(), entrySpace, this.clock.now(), this.batch);
  }

  /** Closes the database when the store opened it; a borrowed `client` stays open. */
  protected async release(): Promise<void> {
    const db = this.db;
    if (!this.owned || db === undefined) return;
    this.db = undefined;
    this.calls = undefined;
    await db.close();
  }

  private database(): Database {
    return opened(this.db);
  }
}

/** `handle`, there from `setup` until `release`. */
function opened<T>(handle: T | undefined): T {
  if (handle === undefined) throw new StoreConnectionError({ message: "The database is closed" });
  return handle;
}

/** Locked by another process, or used while closed or closing: worth retrying. */
function isTransient(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (code === "LEVEL_DATABASE_NOT_OPEN" && typeof cause?.code === "string") {
    return cause.code === "LEVEL_LOCKED";
  }
  return typeof code === "string" && transientCodes.has(code);
}

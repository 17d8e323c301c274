import type { ClassicLevel } from "classic-level";

type Database = ClassicLevel<string, string>;

/** Where the id of each collection is recorded: `!collection!<name>` → `<id>`. */
const registryPrefix = "!collection!";
/** The last id handed out, in base 36. */
const sequenceKey = "!sequence";
/** Every entry key: ids are base 36 (`0-9a-z`), so entries sort after all `!…` metadata. */
export const entrySpace: KeyRange = { gte: "0", lt: "{" };

/** One operation of a batch. */
export type WriteOperation =
  | { type: "put"; key: string; value: string }
  | { type: "del"; key: string };

/** Writes entries under `prefix`, adding `registration` to the same batch. */
export type RegisteringWrite<T> = (
  prefix: string,
  registration: readonly WriteOperation[],
) => Promise<T>;

/** The registration of a collection that is already registered: nothing. */
const registered: readonly WriteOperation[] = [];

/** A range of keys, as classic-level's iterators take it. */
export interface KeyRange {
  gte: string;
  lt: string;
}

/** The keys of one collection: those starting with its prefix `<id>:`. */
export function rangeOf(prefix: string): KeyRange {
  return { gte: prefix, lt: `${prefix.slice(0, -1)};` };
}

/** Per-call encodings, so a borrowed database's defaults do not matter. */
export const utf8 = { keyEncoding: "utf8", valueEncoding: "utf8" } as const;
/** Serializes id allocation per database, across every store that shares it. */
const allocations = new WeakMap<object, Promise<unknown>>();

/**
 * Maps collection names to short key prefixes (`<id>:`). An id, once given, is never reused or
 * removed, so every store on the database always agrees on it.
 */
export class CollectionRegistry {
  private readonly prefixes = new Map<string, string>();
  private readonly database: () => Database;

  constructor(database: () => Database) {
    this.database = database;
  }

  /** The prefix of a collection this registry already knows, without a read. */
  cached(collection: string): string | undefined {
    return this.prefixes.get(collection);
  }

  /** The prefix of a collection, or `undefined` when it was never written. */
  async find(collection: string): Promise<string | undefined> {
    const known = this.prefixes.get(collection);
    if (known !== undefined) return known;
    const id = await this.database().get<string, string>(registryPrefix + collection, utf8);
    return id === undefined ? undefined : this.remember(collection, id);
  }

  /**
   * Runs `write` with the collection's prefix and the operations that register it (none once it
   * is registered), so that registering a collection and its first entries are one batch.
   */
  write<T>(collection: string, write: RegisteringWrite<T>): Promise<T> {
    const known = this.prefixes.get(collection);
    return known === undefined ? this.register(collection, write) : write(known, registered);
  }

  /** Yields every registered collection with its prefix, in name order. */
  async *all(): AsyncGenerator<[collection: string, prefix: string], void, undefined> {
    const range = { gte: registryPrefix, lt: `${registryPrefix.slice(0, -1)}"` };
    for await (const [key, id] of this.database().iterator<string, string>({ ...range, ...utf8 })) {
      const collection = key.slice(registryPrefix.length);
      yield [collection, this.remember(collection, id)];
    }
  }

  /** `write` for a collection this registry does not know yet: looks it up, or registers it. */
  private async register<T>(collection: string, write: RegisteringWrite<T>): Promise<T> {
    const found = await this.find(collection);
    if (found !== undefined) return write(found, registered);
    const db = this.database();
    const previous = allocations.get(db) ?? Promise.resolve();
    const allocation = previous
      .catch(() => undefined)
      .then(() => this.allocate(db, collection, write));
    allocations.set(db, allocation);
    return allocation;
  }

  private async allocate<T>(
    db: Database,
    collection: string,
    write: RegisteringWrite<T>,
  ): Promise<T> {
    const existing = await db.get<string, string>(registryPrefix + collection, utf8);
    if (existing !== undefined) return write(this.remember(collection, existing), registered);
    const last = await db.get<string, string>(sequenceKey, utf8);
    const id = ((last === undefined ? 0 : Number.parseInt(last, 36)) + 1).toString(36);
    const result = await write(`${id}:`, [
      { type: "put", key: sequenceKey, value: id },
      { type: "put", key: registryPrefix + collection, value: id },
    ]);
    this.remember(collection, id);
    return result;
  }

  private remember(collection: string, id: string): string {
    const prefix = `${id}:`;
    this.prefixes.set(collection, prefix);
    return prefix;
  }
}

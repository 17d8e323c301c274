import { ReadBatcher } from "@kv/protocol";
import type { ClassicLevel } from "classic-level";
import { utf8, type WriteOperation } from "./collection-registry.ts";
import { type KeyLocks, locksOf } from "./key-locks.ts";

type Database = ClassicLevel<string, string>;

/** The calls a task makes while it holds the locks of its keys (see `DatabaseCalls.exclusive`). */
export interface LockedCalls {
  /** The text stored under `key`, read at once. */
  get(key: string): Promise<string | undefined>;
  /** The texts stored under `keys`, in order. */
  getMany(keys: string[]): Promise<(string | undefined)[]>;
  /** Writes one atomic batch. */
  batch(operations: WriteOperation[]): Promise<void>;
}

/**
 * The reads and writes of the hot paths. The first single read of a turn of the event loop goes
 * to LevelDB at once; the others of that turn go as one `getMany` (100 concurrent `get`s cost two
 * native calls, not 100), and every write first sends the reads queued before it. classic-level
 * copies its options object on every call that passes one, so options are passed only when they
 * matter: `utf8` when the database's default encodings are something else, `sync` when asked.
 * Writes respect the key locks of the database (shared by every store on it, see `KeyLocks`), so
 * none lands between the read and the write of an exclusive task on one of its keys.
 */
export class DatabaseCalls {
  private readonly db: Database;
  private readonly readOptions: typeof utf8 | undefined;
  private readonly writeOptions: (Partial<typeof utf8> & { sync?: true }) | undefined;
  private readonly reads = new ReadBatcher<string, string | undefined>(
    (key) => this.getOne(key),
    (keys) => this.getMany(keys as string[]),
  );
  /** True from a turn's first single read until the end of that turn. */
  private reading = false;
  private readonly endTurn = (): void => {
    this.reading = false;
  };
  private readonly locks: KeyLocks;
  private readonly locked: LockedCalls = {
    get: (key) => this.getOne(key),
    getMany: (keys) => this.getMany(keys),
    batch: (operations) => this.writeBatch(operations),
  };

  constructor(db: Database, sync: boolean) {
    this.db = db;
    this.locks = locksOf(db);
    const native =
      db.keyEncoding().commonName === "utf8" && db.valueEncoding().commonName === "utf8";
    this.readOptions = native ? undefined : utf8;
    this.writeOptions = sync ? { ...this.readOptions, sync: true } : this.readOptions;
  }

  /** The text stored under `key`: at once, or with the other single reads of this turn. */
  get(key: string): Promise<string | undefined> {
    if (this.reading) return this.reads.read(key);
    this.reading = true;
    queueMicrotask(this.endTurn);
    return this.getOne(key);
  }

  /** The texts stored under `keys`, in order, in one native call. */
  getMany(keys: string[]): Promise<(string | undefined)[]> {
    const options = this.readOptions;
    return options === undefined
      ? this.db.getMany(keys)
      : this.db.getMany<string, string>(keys, options);
  }

  /** Writes one record, once no exclusive task holds its key. */
  put(key: string, value: string): Promise<void> {
    return this.locks.write([{ key }], () => this.write(key, value));
  }

  /** Writes one atomic batch, once no exclusive task holds any of its keys. */
  batch(operations: WriteOperation[]): Promise<void> {
    return this.locks.write(operations, () => this.writeBatch(operations));
  }

  /**
   * Runs `task` holding the locks of `keys`, once the writes in flight have settled: no other
   * write of this process to those keys (through any store on this database) starts until it
   * settles, so its reads and writes are atomic.
   */
  exclusive<T>(keys: readonly string[], task: (calls: LockedCalls) => Promise<T>): Promise<T> {
    return this.locks.exclusive(keys, () => task(this.locked));
  }

  private write(key: string, value: string): Promise<void> {
    this.reads.flush();
    const options = this.writeOptions;
    return options === undefined
      ? this.db.put(key, value)
      : this.db.put<string, string>(key, value, options);
  }

  /**
   * Writes one atomic batch, as a chained batch: one native call per operation costs less than
   * the options copy and property reads classic-level spends on each operation of an array.
   */
  private writeBatch(operations: WriteOperation[]): Promise<void> {
    this.reads.flush();
    const writeOptions = this.writeOptions;
    if (this.db.status !== "open") {
      // Only an array batch waits for a database that is still opening.
      return writeOptions === undefined
        ? this.db.batch(operations)
        : this.db.batch<string, string>(operations, writeOptions);
    }
    const options = this.readOptions;
    const batch = this.db.batch();
    try {
      for (const operation of operations) {
        if (options !== undefined) {
          if (operation.type === "del") batch.del<string>(operation.key, options);
          else batch.put<string, string>(operation.key, operation.value, options);
        } else if (operation.type === "del") batch.del(operation.key);
        else batch.put(operation.key, operation.value);
      }
    } catch (error) {
      void batch.close();
      throw error;
    }
    return writeOptions === undefined ? batch.write() : batch.write(writeOptions);
  }

  private getOne(key: string): Promise<string | undefined> {
    const options = this.readOptions;
    return options === undefined ? this.db.get(key) : this.db.get<string, string>(key, options);
  }
}

import { ReadBatcher } from "@kv/protocol";
import type { ClassicLevel } from "classic-level";
import { utf8, type WriteOperation } from "./collection-registry.ts";

type Database = ClassicLevel<string, string>;

/**
 * The reads and writes of the hot paths. The first single read of a turn of the event loop goes
 * to LevelDB at once; the others of that turn go as one `getMany` (100 concurrent `get`s cost two
 * native calls, not 100), and every write first sends the reads queued before it. classic-level
 * copies its options object on every call that passes one, so options are passed only when they
 * matter: `utf8` when the database's default encodings are something else, `sync` when asked.
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

  constructor(db: Database, sync: boolean) {
    this.db = db;
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

  /** Writes one record. */
  put(key: string, value: string): Promise<void> {
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
  batch(operations: WriteOperation[]): Promise<void> {
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

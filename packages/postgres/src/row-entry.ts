import type { AtomicEntry, Clock, ManagedEntry, StoredVersion } from "@kv/protocol";
import { checkName, type EntryRow, toEntry, toParameters, ttlOf } from "./rows.ts";
import type { StatementRunner } from "./runner.ts";
import type { Statements } from "./statements.ts";

/**
 * The atomic operations on one entry's row (the store's `atomicEntry`): one statement each, a
 * `SELECT` for the versioned read and otherwise a write whose condition checks expiry too. A
 * version is the row's `xmin`.
 */
export class RowEntry implements AtomicEntry {
  readonly #db: StatementRunner;
  readonly #sql: Statements;
  readonly #clock: Clock;
  readonly #collection: string;
  readonly #key: string;

  constructor(db: StatementRunner, sql: Statements, clock: Clock, collection: string, key: string) {
    this.#db = db;
    this.#sql = sql;
    this.#clock = clock;
    this.#collection = collection;
    this.#key = key;
  }

  /**
   * An insert that overwrites only an expired row (`insertIfAbsent`).
   * @throws InvalidKeyError or SerializationError as `toParameters`
   */
  async insert(entry: ManagedEntry): Promise<boolean> {
    const values = this.#writeParameters("putIfAbsent", entry, this.#clock.now());
    return this.#db.wroteRow(this.#sql.insertIfAbsent, values);
  }

  /**
   * The row's entry with its `xmin`.
   * @throws InvalidKeyError for a key with U+0000; DeserializationError as `toEntry`
   */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const collection = this.#collection;
    const key = this.#key;
    checkName(key, "Key", { operation: "getVersioned", collection, key });
    const row = await this.#db.row<EntryRow & { version: string }>(this.#sql.readVersioned, [
      collection,
      key,
    ]);
    return row === undefined
      ? undefined
      : { entry: toEntry(row, collection, key), version: row.version };
  }

  /**
   * An update of the live row that still has the `xmin` (`replaceIfVersion`).
   * @throws InvalidKeyError or SerializationError as `toParameters`
   */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const values = this.#writeParameters("putIfVersion", entry, this.#clock.now());
    if (!this.#isVersion(version)) return false;
    return this.#db.wroteRow(this.#sql.replaceIfVersion, [...values, version]);
  }

  /**
   * A delete of the live row that still has the `xmin` (`deleteIfVersion`).
   * @throws InvalidKeyError for a key with U+0000
   */
  async removeVersioned(version: string): Promise<boolean> {
    const collection = this.#collection;
    const key = this.#key;
    checkName(key, "Key", { operation: "deleteIfVersion", collection, key });
    if (!this.#isVersion(version)) return false;
    const values = [collection, key, this.#clock.now(), version];
    return this.#db.wroteRow(this.#sql.deleteIfVersion, values);
  }

  /**
   * An update of the live row's `ttl` and `expires_at` (`touch`).
   * @throws InvalidKeyError for a key with U+0000
   */
  async touch(expiresAt: number | undefined): Promise<boolean> {
    const collection = this.#collection;
    const key = this.#key;
    checkName(key, "Key", { operation: "touch", collection, key });
    const now = this.#clock.now();
    const values = [collection, key, ttlOf(expiresAt, now), expiresAt ?? null, now];
    return this.#db.wroteRow(this.#sql.touch, values);
  }

  /**
   * The parameters of a write conditional on the row (`insertIfAbsent`, `replaceIfVersion`):
   * `put`'s, then the time now.
   * @throws InvalidKeyError or SerializationError as `toParameters`
   */
  #writeParameters(
    operation: "putIfAbsent" | "putIfVersion",
    entry: ManagedEntry,
    now: number,
  ): unknown[] {
    const collection = this.#collection;
    const key = this.#key;
    return [collection, key, ...toParameters(entry, now, { operation, collection, key }), now];
  }

  /** True for a version token that can be a row's `xmin` (a 32-bit transaction id). */
  #isVersion(version: string): boolean {
    return /^\d{1,10}$/.test(version) && Number(version) <= 0xffffffff;
  }
}

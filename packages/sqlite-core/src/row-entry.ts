import type { AtomicEntry, Clock, ManagedEntry, StoredVersion } from "@kv/protocol";
import { revisionOf, toEntry, toRow } from "./rows.ts";
import type { StatementRunner } from "./runner.ts";
import type { Match } from "./statements.ts";

/**
 * The atomic operations on one row of a `SqliteTableStore` (its `atomicEntry`): each one
 * conditional statement, so it holds across connections and processes. A version is the row's
 * revision. Every method throws `StoreConnectionError` once the connection is closed.
 */
export class RowEntry implements AtomicEntry {
  readonly #runner: StatementRunner;
  readonly #collection: string;
  readonly #key: string;
  readonly #clock: Clock;

  constructor(runner: StatementRunner, collection: string, key: string, clock: Clock) {
    this.#runner = runner;
    this.#collection = collection;
    this.#key = key;
    this.#clock = clock;
  }

  /** Writes the row unless a live one holds the key: an upsert overwriting only an expired row. */
  async insert(entry: ManagedEntry): Promise<boolean> {
    const { insertIfAbsent } = this.#runner.writer();
    const row = toRow(this.#key, entry);
    return insertIfAbsent.run(this.#collection, ...row, this.#clock.now()).changes === 1;
  }

  /**
   * Reads the live row with its revision.
   * @throws DeserializationError when its value is not a JSON object
   */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const { readVersioned } = this.#runner.reader();
    const row = readVersioned.get(this.#collection, this.#key, this.#clock.now());
    return row && { entry: toEntry(row, this.#collection), version: String(row.revision) };
  }

  /** Overwrites the live row that still has the revision, moving it on: one `UPDATE`. */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const [, value, createdAt, expiresAt] = toRow(this.#key, entry);
    const match = this.#match(version);
    const { replaceIfRevision } = this.#runner.writer();
    return replaceIfRevision.run(value, createdAt, expiresAt, ...match).changes === 1;
  }

  /** Deletes the live row that still has the revision: one `DELETE`. */
  async removeVersioned(version: string): Promise<boolean> {
    const match = this.#match(version);
    return this.#runner.writer().deleteIfRevision.run(...match).changes === 1;
  }

  /** Sets or clears a live row's `expires_at` (moving its revision on): one `UPDATE`. */
  async touch(expiresAt: number | undefined): Promise<boolean> {
    const now = this.#clock.now();
    const { touch } = this.#runner.writer();
    return touch.run(expiresAt ?? null, this.#collection, this.#key, now).changes === 1;
  }

  /** The parameters naming this live row with the revision in `version`. */
  #match(version: string): Match {
    return [this.#collection, this.#key, revisionOf(version), this.#clock.now()];
  }
}

import { createHash } from "node:crypto";
import {
  type AtomicEntry,
  type Clock,
  type CounterChange,
  counterEntry,
  isExpired,
  type KeyValueErrorOptions,
  type ManagedEntry,
  type StoredVersion,
} from "@kv/protocol";
import type { CollectionRegistry, WriteOperation } from "./collection-registry.ts";
import type { DatabaseCalls } from "./database-calls.ts";
import { decodeEntry, encodeEntry, isExpiredText } from "./entry-codec.ts";

/** One record, read while its key's lock is held, and the writes that keep that lock. */
export interface LockedRecord {
  /** The stored document, `undefined` when there is none. */
  readonly text: string | undefined;
  /** The time the lock was taken, epoch ms: what liveness is judged by. */
  readonly now: number;
  /** Replaces the record (registering its collection in the same batch when it is new). */
  write(entry: ManagedEntry): Promise<void>;
  /** Deletes the record. */
  remove(): Promise<void>;
}

/**
 * The records of one store for its atomic operations. Each task runs on one record while holding
 * that key's lock, so no other write of this process to it (atomic or plain, through any store on
 * the database) lands between the task's read and its write.
 */
export class LockedRecords {
  private readonly registry: CollectionRegistry;
  private readonly calls: () => DatabaseCalls;
  private readonly clock: Clock;

  constructor(registry: CollectionRegistry, calls: () => DatabaseCalls, clock: Clock) {
    this.registry = registry;
    this.calls = calls;
    this.clock = clock;
  }

  /** The stored entry of `key` with its version, expired or not; one read, no lock. */
  async read(collection: string, key: string): Promise<StoredVersion | undefined> {
    const prefix = await this.registry.find(collection);
    const text = prefix === undefined ? undefined : await this.calls().get(prefix + key);
    return text === undefined ? undefined : { entry: decodeEntry(text), version: versionOf(text) };
  }

  /** Runs `task` on the record of `key`, registering a collection never written with its write. */
  create<T>(
    collection: string,
    key: string,
    task: (record: LockedRecord) => Promise<T>,
  ): Promise<T> {
    return this.registry.write(collection, (prefix, registration) =>
      this.run(prefix + key, registration, task),
    );
  }

  /** Runs `task` on the record of `key`; `false` for a collection never written. */
  async update(
    collection: string,
    key: string,
    task: (record: LockedRecord) => Promise<boolean>,
  ): Promise<boolean> {
    const prefix = await this.registry.find(collection);
    return prefix !== undefined && this.run(prefix + key, [], task);
  }

  /** Runs `task` on the record under `key`; `registration` goes with its write, or alone. */
  private run<T>(
    key: string,
    registration: readonly WriteOperation[],
    task: (record: LockedRecord) => Promise<T>,
  ): Promise<T> {
    return this.calls().exclusive([key], async (locked) => {
      let pending = registration;
      const batch = (operation: WriteOperation): Promise<void> => {
        const operations = [...pending, operation];
        pending = [];
        return locked.batch(operations);
      };
      const result = await task({
        text: await locked.get(key),
        now: this.clock.now(),
        write: (entry) => batch({ type: "put", key, value: encodeEntry(entry) }),
        remove: () => batch({ type: "del", key }),
      });
      if (pending.length > 0) await locked.batch([...pending]);
      return result;
    });
  }
}

/**
 * The store's version token of a stored document: a SHA-256 (first 132 bits, base64url) of the
 * whole document, so it changes with the value, `created_at` or `expires_at` (to the millisecond).
 */
export function versionOf(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

/**
 * The atomic operations on one entry's record (the store's `atomicEntry`): each write runs on the
 * record while holding its key's lock (see `LockedRecords`). A version is a digest of the stored
 * document (`versionOf`).
 */
export class RecordEntry implements AtomicEntry {
  readonly #records: LockedRecords;
  readonly #collection: string;
  readonly #key: string;

  constructor(records: LockedRecords, collection: string, key: string) {
    this.#records = records;
    this.#collection = collection;
    this.#key = key;
  }

  /**
   * Writes `entry` unless the record holds a live entry (an unreadable one counts as live),
   * registering a collection never written with that write; `true` when written.
   */
  insert(entry: ManagedEntry): Promise<boolean> {
    return this.#records.create(this.#collection, this.#key, async (record) => {
      if (record.text !== undefined && !isExpiredText(record.text, record.now)) return false;
      await record.write(entry);
      return true;
    });
  }

  /** One read, no lock: the stored entry, expired or not, with its version. */
  readVersioned(): Promise<StoredVersion | undefined> {
    return this.#records.read(this.#collection, this.#key);
  }

  /** Replaces the record with `entry` while it is live and has `version`. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    return this.#writeIfVersion(version, entry);
  }

  /** Deletes the record while it is live and has `version`. */
  removeVersioned(version: string): Promise<boolean> {
    return this.#writeIfVersion(version, undefined);
  }

  /** Gives a live entry a new expiry, keeping its value and `createdAt`; `false` when there is none. */
  touch(expiresAt: number | undefined): Promise<boolean> {
    return this.#records.update(this.#collection, this.#key, async (record) => {
      const current = liveEntry(record);
      if (current === undefined) return false;
      await record.write({ ...current, expiresAt });
      return true;
    });
  }

  /**
   * Replaces the record with `entry`, or deletes it when `entry` is undefined, while it is live
   * and has `version`.
   */
  #writeIfVersion(version: string, entry: ManagedEntry | undefined): Promise<boolean> {
    return this.#records.update(this.#collection, this.#key, async (record) => {
      const { text } = record;
      if (text === undefined || versionOf(text) !== version || isExpiredText(text, record.now)) {
        return false;
      }
      await (entry === undefined ? record.remove() : record.write(entry));
      return true;
    });
  }
}

/**
 * Adds `change.by` to the counter in the record (a missing or expired one counts as 0) and
 * returns the new count.
 * @throws NotACounterError, leaving the record unchanged, when it holds another value
 */
export async function addToCount(
  record: LockedRecord,
  change: CounterChange,
  context: KeyValueErrorOptions,
): Promise<number> {
  const { entry, count } = counterEntry(liveEntry(record), change, context);
  await record.write(entry);
  return count;
}

/** The record's entry when it is live. */
function liveEntry(record: LockedRecord): ManagedEntry | undefined {
  if (record.text === undefined) return undefined;
  const entry = decodeEntry(record.text);
  return isExpired(entry, record.now) ? undefined : entry;
}

import { codeUnitAt } from "./code-units.ts";
import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "./errors.ts";
import type { CollectionOptions, PutOptions, Ttl, Value } from "./key-value.ts";
import type { ManagedEntry } from "./managed-entry.ts";

/** A value read together with the version a conditional write must name to replace it. */
export interface VersionedValue {
  /** The stored value. */
  value: Value;
  /** Seconds left before it expires; `undefined` never expires. */
  ttl: number | undefined;
  /** An opaque token that changes whenever the entry is written; compare for equality only. */
  version: string;
}

/** Options of `increment`. */
export interface IncrementOptions extends CollectionOptions {
  /** What to add: a safe integer, negative to count down. @default 1 */
  by?: number | undefined;
  /** The TTL of a counter this call creates. An existing counter keeps its expiry unless `refreshTtl`. */
  ttl?: Ttl | undefined;
  /** Also give an existing counter the `ttl` (a sliding window); without `ttl` it then never expires. @default false */
  refreshTtl?: boolean | undefined;
}

/** Options of `touch`. */
export interface TouchOptions extends CollectionOptions {
  /** The entry's new time to live, counted from now; `undefined` makes it never expire. */
  ttl: Ttl | undefined;
}

/** A store that writes a value only where no live entry exists, atomically. */
export interface PutIfAbsent {
  /**
   * Writes the value only when the key has no live entry (an expired entry counts as absent),
   * in one atomic step on the backend.
   * @returns `true` when it stored the value, `false` when a live entry was already there
   * @throws InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  putIfAbsent(key: string, value: Value, options?: PutOptions): Promise<boolean>;
}

/** A store with versioned reads and writes conditional on the version (compare-and-set). */
export interface ConditionalVersions {
  /**
   * Reads a live entry with its version token.
   * @throws InvalidKeyError, StoreError
   */
  getVersioned(key: string, options?: CollectionOptions): Promise<VersionedValue | undefined>;
  /**
   * Replaces the entry only while it still has `version` (no write in between, not expired or
   * deleted). A version of one key is never valid for another.
   * @returns `false` when the entry changed or vanished since that version
   * @throws InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  putIfVersion(key: string, value: Value, version: string, options?: PutOptions): Promise<boolean>;
  /**
   * Deletes the entry only while it still has `version`.
   * @returns `false` when the entry changed or vanished since that version
   * @throws InvalidKeyError, StoreError
   */
  deleteIfVersion(key: string, version: string, options?: CollectionOptions): Promise<boolean>;
}

/** A store that adds to integer counters atomically. */
export interface Incrementable {
  /**
   * Adds `by` (default 1) to the counter at `key` and returns the new count. A counter is stored
   * as the value `{ "count": n }`, so `get` and other clients read it like any value. A missing or
   * expired key starts at 0; the counter's TTL is set when it is created (see `IncrementOptions`).
   * @throws NotACounterError when the key holds another value (it is left unchanged), RangeError
   * when `by` is not a safe integer, InvalidKeyError, InvalidTtlError, StoreError
   */
  increment(key: string, options?: IncrementOptions): Promise<number>;
}

/** A store that changes an entry's expiry without rewriting its value. */
export interface Touchable {
  /**
   * Gives a live entry a new TTL, counted from now (sliding expiration), keeping its value and
   * creation time; `ttl: undefined` makes it never expire.
   * @returns `false` when the key has no live entry
   * @throws InvalidKeyError, InvalidTtlError, StoreError
   */
  touch(key: string, options: TouchOptions): Promise<boolean>;
}

/** The key holds a value that is not a counter (`{ "count": <safe integer> }`), or the count would leave the safe integer range. */
export interface NotACounterError extends KeyValueError {
  readonly name: "NotACounterError";
}
/** The key holds a value that is not a counter (`{ "count": <safe integer> }`), or the count would leave the safe integer range. */
export const NotACounterError: ErrorClass<NotACounterError> = defineError({
  name: "NotACounterError",
  code: "NOT_A_COUNTER",
  message: (o: KeyValueErrorOptions) =>
    `The value at "${o.key ?? "?"}" is not a counter ({ "count": <safe integer> })`,
});

/** A read-modify-write kept losing to other writers until it ran out of attempts. Transient. */
export interface UpdateConflictError extends KeyValueError {
  readonly name: "UpdateConflictError";
  readonly attempts: number;
}
/** A read-modify-write kept losing to other writers until it ran out of attempts. Transient. */
export const UpdateConflictError: ErrorClass<UpdateConflictError, { attempts: number }> =
  defineError({
    name: "UpdateConflictError",
    code: "UPDATE_CONFLICT",
    transient: true,
    fields: ["attempts"],
    message: (o) => `Gave up after ${o.attempts} attempts: the entry kept changing`,
  });

/** What `increment()` asks of a store's `addToCounter` hook. */
export interface CounterChange {
  /** What to add (a safe integer). */
  by: number;
  /** The current time, epoch ms: the `createdAt` of a counter this creates. */
  now: number;
  /** The expiry of a counter this creates (and, with `refresh`, of an existing one). */
  expiresAt: number | undefined;
  /** Whether an existing counter gets `expiresAt` too. */
  refresh: boolean;
}

/** The member name of a counter's value. */
export const COUNTER_FIELD = "count";

/** The stored form of a counter: `{ "count": n }`. */
export function counterValue(count: number): Value {
  return { [COUNTER_FIELD]: count };
}

/** The count held by a counter value, or `undefined` when the value is not a counter. */
export function countOf(value: Value): number | undefined {
  const count = value[COUNTER_FIELD];
  if (!Number.isSafeInteger(count)) return undefined;
  for (const name in value) if (name !== COUNTER_FIELD) return undefined;
  return count as number;
}

/**
 * The count after adding `by` to `current` (a value, or `undefined` for a missing counter).
 * @throws NotACounterError when `current` is not a counter or the sum is not a safe integer
 */
export function nextCount(
  current: Value | undefined,
  by: number,
  context: KeyValueErrorOptions = {},
): number {
  const count = current === undefined ? 0 : countOf(current);
  const next = count === undefined ? undefined : count + by;
  if (next === undefined || !Number.isSafeInteger(next)) throw new NotACounterError(context);
  return next;
}

/**
 * The counter entry after one increment of `current` (the live entry, or `undefined`): a new
 * counter gets `change.now` and `change.expiresAt`; an existing one keeps its `createdAt`, and
 * its expiry unless `change.refresh`.
 * @throws NotACounterError when `current` is not a counter or the sum is not a safe integer
 */
export function counterEntry(
  current: ManagedEntry | undefined,
  change: CounterChange,
  context: KeyValueErrorOptions = {},
): { entry: ManagedEntry; count: number } {
  const count = nextCount(current?.value, change.by, context);
  const entry: ManagedEntry = {
    value: counterValue(count),
    createdAt: current === undefined ? change.now : current.createdAt,
    expiresAt: current === undefined || change.refresh ? change.expiresAt : current.expiresAt,
  };
  return { entry, count };
}

/** What one `increment` of a batch came to: its count, or the error it gets. */
export type CounterOutcome = { count: number } | { error: unknown };

/**
 * Applies increments one after another to `current`, as separate calls would: one that fails
 * (`NotACounterError`) changes nothing and the next goes on from the same count.
 * @returns the entry to write (`undefined` when every one failed) and each one's outcome
 */
export function applyIncrements(
  current: ManagedEntry | undefined,
  changes: readonly CounterChange[],
  context: KeyValueErrorOptions = {},
): { entry: ManagedEntry | undefined; outcomes: CounterOutcome[] } {
  let entry = current;
  let changed = false;
  const outcomes = changes.map((change): CounterOutcome => {
    try {
      const next = counterEntry(entry, change, context);
      entry = next.entry;
      changed = true;
      return { count: next.count };
    } catch (error) {
      return { error };
    }
  });
  return { entry: changed ? entry : undefined, outcomes };
}

/**
 * Coalesces the increments of one store instance per key, for a store whose `increment` is a
 * read followed by a conditional write: the increments of a key made in the same tick, and those
 * made while its `commit` is in flight, are applied together by the next `commit`, in call order. Each caller still gets
 * its own count (or error), and callers of one instance never conflict with each other.
 */
export class IncrementBatcher {
  readonly #commit: (
    collection: string,
    key: string,
    changes: readonly CounterChange[],
  ) => Promise<readonly CounterOutcome[]>;
  readonly #waiting = new Map<string, Waiting[]>();

  /** `commit` applies a batch (with `applyIncrements`) in one conditional write, retrying as it must. */
  constructor(
    commit: (
      collection: string,
      key: string,
      changes: readonly CounterChange[],
    ) => Promise<readonly CounterOutcome[]>,
  ) {
    this.#commit = commit;
  }

  /**
   * Adds `change.by` to the counter and resolves with this call's count.
   * @throws what `commit` gives this call or the whole batch
   */
  add(collection: string, key: string, change: CounterChange): Promise<number> {
    const id = `${collection.length}:${collection}${key}`;
    return new Promise((resolve, reject) => {
      const queue = this.#waiting.get(id);
      if (queue !== undefined) {
        queue.push({ change, resolve, reject });
        return;
      }
      this.#waiting.set(id, [{ change, resolve, reject }]);
      queueMicrotask(() => void this.#drain(id, collection, key));
    });
  }

  async #drain(id: string, collection: string, key: string): Promise<void> {
    for (;;) {
      const batch = this.#waiting.get(id)?.splice(0) ?? [];
      if (batch.length === 0) {
        this.#waiting.delete(id);
        return;
      }
      try {
        const outcomes = await this.#commit(
          collection,
          key,
          batch.map(({ change }) => change),
        );
        for (const [index, { resolve, reject }] of batch.entries()) {
          const outcome = outcomes[index];
          if (outcome !== undefined && "count" in outcome) resolve(outcome.count);
          else reject(outcome?.error);
        }
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
  }
}

interface Waiting {
  change: CounterChange;
  resolve: (count: number) => void;
  reject: (error: unknown) => void;
}

/** The names of the atomic capabilities, for a store that offers them all: `storeWith("keys", ...ATOMIC_CAPABILITIES)`. */
export const ATOMIC_CAPABILITIES: readonly AtomicCapability[] = [
  "putIfAbsent",
  "versions",
  "increment",
  "touch",
];

/** The name of an atomic capability. */
export type AtomicCapability = "putIfAbsent" | "versions" | "increment" | "touch";

/**
 * Checks `by` of `increment`.
 * @throws RangeError when it is not a safe integer
 */
export function resolveIncrement(by: unknown): number {
  if (by === undefined) return 1;
  if (typeof by !== "number" || !Number.isSafeInteger(by)) {
    throw new RangeError(`increment's "by" must be a safe integer, got ${String(by)}`);
  }
  return by;
}

/**
 * The public version token for a store's own token of one entry: bound to the collection and
 * key, so a version of one key is refused for any other.
 */
export function bindVersion(collection: string, key: string, token: string): string {
  return `${locationTag(collection, key)}.${token}`;
}

/** The store's own token inside a public version, or `undefined` when it belongs to another key. */
export function unbindVersion(
  collection: string,
  key: string,
  version: string,
): string | undefined {
  const tag = locationTag(collection, key);
  return version.length > tag.length + 1 && version.startsWith(tag) && version[tag.length] === "."
    ? version.slice(tag.length + 1)
    : undefined;
}

/**
 * A store's version token carrying the entry's expiry, `<token>:<expires_at in ms>`, for a
 * backend whose own token (a CAS unique, a sequence number, a revision) stays the same when the
 * entry expires: a conditional write can then refuse the version of an entry that has expired
 * since without reading it again, since the write the token names has exactly that expiry.
 */
export function versionWithExpiry(token: string, entry: Pick<ManagedEntry, "expiresAt">): string {
  return `${token}:${entry.expiresAt ?? ""}`;
}

/**
 * The backend's token inside a `versionWithExpiry` version; `undefined` when the version is
 * malformed or its entry has expired at `now`.
 */
export function liveVersionToken(version: string, now: number): string | undefined {
  const at = version.lastIndexOf(":");
  if (at < 0) return undefined;
  const expiry = version.slice(at + 1);
  if (expiry !== "" && (!/^\d+$/.test(expiry) || Number(expiry) <= now)) return undefined;
  return version.slice(0, at);
}

/** A 32-bit FNV-1a hash of collection and key, in base 36. */
function locationTag(collection: string, key: string): string {
  let hash = 0x811c9dc5;
  const text = `${collection}\u0000${key}`;
  for (let index = 0; index < text.length; index++) {
    hash ^= codeUnitAt(text, index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

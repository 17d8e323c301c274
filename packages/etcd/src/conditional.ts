import {
  type AtomicEntry,
  type Clock,
  type CounterChange,
  type CounterOutcome,
  compareAndSwap,
  incrementBySwap,
  insertBySwap,
  liveVersionToken,
  type ManagedEntry,
  type StoredVersion,
  type SwapOptions,
  type SwapTarget,
  versionWithExpiry,
} from "@kv/protocol";
import type { Etcd3, IKeyValue } from "etcd3";
import { type EntryLocation, entryOf, putRequest, withLease } from "./entries.ts";
import type { Leases } from "./leases.ts";
import { readKey, type SwapOutcome, swapKey } from "./requests.ts";

/** What conditional writes of one entry need. */
export interface Target extends EntryLocation {
  client: Etcd3;
  leases: Leases;
  clock: Clock;
  maxRequestBytes: number;
}

/** A key as read for a compare-and-swap: its key-value (with `mod_revision`) and entry. */
interface StoredKey {
  kv: IKeyValue;
  entry: ManagedEntry;
}

/**
 * How the compare-and-swap loops pace their rounds: a lost transaction returns the key as it is
 * now, so the first two retries go at once; the pauses after them are at most 50 ms.
 */
const PACING: SwapOptions = { maxBackoffMs: 50, immediateRetries: 2 };

/**
 * The key as the protocol's `compareAndSwap` reads and writes it: a write is applied only while
 * the key's `mod_revision` is still the one read (`"0"` for an absent key), and when another
 * writer got there first, the same transaction returns the key as it is now.
 */
function keySwap(target: Target): SwapTarget<StoredKey, ManagedEntry> {
  return {
    ...target,
    read: async () => storedKey(await readKey(target.client, target.etcdKey)),
    write: async (entry, stored) => {
      const outcome = await putAt(target, entry, stored?.kv.mod_revision ?? "0");
      return outcome.written || { current: storedKey(outcome.current) };
    },
  };
}

function storedKey(kv: IKeyValue | undefined): StoredKey | undefined {
  return kv === undefined ? undefined : { kv, entry: entryOf(kv) };
}

/**
 * Commits a batch of increments of one key (for the protocol's `IncrementBatcher`): the
 * increments applied in order to the live counter, written while the key is unchanged.
 */
export function commitIncrements(
  target: Target,
  changes: readonly CounterChange[],
): Promise<CounterOutcome[]> {
  return incrementBySwap(keySwap(target), changes, PACING);
}

/** Writes the entry, with the lease of its expiry, while its key is still at `revision`. */
function putAt(target: Target, entry: ManagedEntry, revision: string): Promise<SwapOutcome> {
  const put = putRequest(target, entry, target.maxRequestBytes);
  return target.leases.withLeases([entry.expiresAt], (leaseOf) => {
    const request_put = withLease(put, entry.expiresAt, leaseOf);
    return swapKey(target.client, target.etcdKey, revision, { request_put });
  });
}

/**
 * The atomic operations on one entry's etcd key (the store's `atomicEntry`): transactions
 * comparing the key's `mod_revision`. A version is `<mod_revision>:<expires_at in ms>`: the expiry
 * lets a conditional write refuse the version of an entry that has expired since without reading
 * it again, as the write with that revision has exactly that expiry.
 */
export class KeyEntry implements AtomicEntry {
  readonly #target: Target;

  constructor(target: Target) {
    this.#target = target;
  }

  /**
   * Writes first on the guess that the key is absent (`mod_revision` 0), then over an expired
   * entry at the revision the failed guess returned.
   * @throws RequestTooLargeError when the entry does not fit in a request; UpdateConflictError
   * when other writers keep getting there first
   */
  insert(entry: ManagedEntry): Promise<boolean> {
    return insertBySwap(keySwap(this.#target), entry, PACING);
  }

  /** A range request for the key: its entry, with the version of its `mod_revision`. */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const kv = await readKey(this.#target.client, this.#target.etcdKey);
    if (kv === undefined) return undefined;
    const entry = entryOf(kv);
    return { entry, version: versionWithExpiry(kv.mod_revision, entry) };
  }

  /**
   * Puts the entry, with the lease of its expiry, while the key is still at the version's
   * revision; `false` for a malformed version or one whose entry has expired.
   * @throws RequestTooLargeError when the entry does not fit in a request
   */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const revision = this.#revisionOf(version);
    return revision !== undefined && (await putAt(this.#target, entry, revision)).written;
  }

  /**
   * Deletes the key while it is still at the version's revision; `false` for a malformed version
   * or one whose entry has expired.
   */
  async removeVersioned(version: string): Promise<boolean> {
    const revision = this.#revisionOf(version);
    if (revision === undefined) return false;
    const { client, etcdKey } = this.#target;
    const remove = { request_delete_range: { key: etcdKey } };
    return (await swapKey(client, etcdKey, revision, remove)).written;
  }

  /**
   * Writes the live entry again with the lease of the new expiry (or none), its value and
   * `createdAt` kept, while the key is unchanged; retried on conflict.
   * @throws UpdateConflictError when other writers keep getting there first
   */
  touch(expiresAt: number | undefined): Promise<boolean> {
    return compareAndSwap(
      keySwap(this.#target),
      "touch",
      (live) =>
        live === undefined
          ? { result: false }
          : { write: { ...live.entry, expiresAt }, result: true },
      PACING,
    );
  }

  /** The `mod_revision` a version names, or `undefined` when it is malformed or has expired. */
  #revisionOf(version: string): string | undefined {
    const revision = liveVersionToken(version, this.#target.clock.now());
    return revision !== undefined && /^[1-9]\d*$/.test(revision) ? revision : undefined;
  }
}

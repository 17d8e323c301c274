import {
  type Clock,
  type CounterChange,
  type CounterOutcome,
  compareAndSwap,
  incrementBySwap,
  insertBySwap,
  type ManagedEntry,
  type SwapOptions,
  type SwapTarget,
} from "@kv/protocol";
import type { Etcd3, IKeyValue } from "etcd3";
import { type EntryLocation, entryOf, putRequest, revisionOf, withLease } from "./entries.ts";
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
 * Writes the entry where no live one exists: first on the guess that the key is absent
 * (`mod_revision` 0), then over an expired entry at the revision the failed guess returned.
 */
export function insertIfAbsent(target: Target, entry: ManagedEntry): Promise<boolean> {
  return insertBySwap(keySwap(target), entry, PACING);
}

/**
 * Gives a live entry a new expiry by writing it again with the lease of that expiry (or none),
 * its value and `createdAt` kept.
 */
export function touchLive(target: Target, expiresAt: number | undefined): Promise<boolean> {
  return compareAndSwap(
    keySwap(target),
    "touch",
    (live) =>
      live === undefined
        ? { result: false }
        : { write: { ...live.entry, expiresAt }, result: true },
    PACING,
  );
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

/**
 * Replaces the entry while its key is still at the revision `version` names; `false` for a
 * malformed version or one whose entry has expired.
 */
export async function replaceAtVersion(
  target: Target,
  entry: ManagedEntry,
  version: string,
): Promise<boolean> {
  const revision = revisionOf(version, target.clock.now());
  return revision !== undefined && (await putAt(target, entry, revision)).written;
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
 * Deletes the entry while its key is still at the revision `version` names; `false` for a
 * malformed version or one whose entry has expired.
 */
export async function removeAtVersion(target: Target, version: string): Promise<boolean> {
  const revision = revisionOf(version, target.clock.now());
  if (revision === undefined) return false;
  const remove = { request_delete_range: { key: target.etcdKey } };
  return (await swapKey(target.client, target.etcdKey, revision, remove)).written;
}

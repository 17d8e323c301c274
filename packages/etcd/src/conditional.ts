import {
  applyIncrements,
  type Clock,
  type CounterChange,
  type CounterOutcome,
  isExpired,
  type ManagedEntry,
  type Operation,
  UpdateConflictError,
} from "@kv/protocol";
import type { Etcd3, IKeyValue } from "etcd3";
import { type EntryLocation, entryOf, putRequest, withLease } from "./entries.ts";
import type { Leases } from "./leases.ts";
import { readKey, swapKey } from "./requests.ts";

/** How many conditional writes an operation tries before giving up with `UpdateConflictError`. */
const MAX_ATTEMPTS = 32;
/** The longest wait between two attempts, in ms. */
const MAX_BACKOFF_MS = 50;

/** What conditional writes of one entry need. */
export interface Target extends EntryLocation {
  client: Etcd3;
  leases: Leases;
  clock: Clock;
  maxRequestBytes: number;
}

/** What one round decides, from the entry as it is: a result, or a write and its result. */
type Decision<T> = { result: T } | { write: ManagedEntry; result: T };

/**
 * A compare-and-swap loop on one key: `decide` looks at the live entry (or `undefined`) and
 * says what to write; the write is applied only while the key's `mod_revision` is still the one
 * read (`"0"` for an absent key), and when another writer got there first, the same transaction
 * returns the key as it is now and `decide` runs again on it. `current` is what the caller
 * already knows of the key (`"unread"` reads it first).
 * @throws UpdateConflictError after `MAX_ATTEMPTS` lost rounds; what `decide` throws
 */
async function swap<T>(
  target: Target,
  operation: Operation,
  current: IKeyValue | undefined | "unread",
  decide: (live: ManagedEntry | undefined) => Decision<T>,
): Promise<T> {
  let known = current === "unread" ? await readKey(target.client, target.etcdKey) : current;
  for (let round = 1; round <= MAX_ATTEMPTS; round++) {
    const entry = known === undefined ? undefined : entryOf(known);
    const live = entry === undefined || isExpired(entry, target.clock.now()) ? undefined : entry;
    const decision = decide(live);
    if (!("write" in decision)) return decision.result;
    const { write } = decision;
    const revision = known?.mod_revision ?? "0";
    const put = putRequest(target, write, target.maxRequestBytes);
    const outcome = await target.leases.withLeases([write.expiresAt], (leaseOf) => {
      const request_put = withLease(put, write.expiresAt, leaseOf);
      return swapKey(target.client, target.etcdKey, revision, { request_put });
    });
    if (outcome.written) return decision.result;
    known = outcome.current;
    if (round > 2) await pause(Math.min(MAX_BACKOFF_MS, 2 ** round) * Math.random());
  }
  throw new UpdateConflictError({
    attempts: MAX_ATTEMPTS,
    operation,
    collection: target.collection,
    key: target.key,
  });
}

/**
 * Writes the entry where no live one exists: first on the guess that the key is absent
 * (`mod_revision` 0), then over an expired entry at the revision the failed guess returned.
 */
export function insertIfAbsent(target: Target, entry: ManagedEntry): Promise<boolean> {
  return swap(target, "putIfAbsent", undefined, (live) =>
    live === undefined ? { write: entry, result: true } : { result: false },
  );
}

/**
 * Gives a live entry a new expiry by writing it again with the lease of that expiry (or none),
 * its value and `createdAt` kept.
 */
export function touchLive(target: Target, expiresAt: number | undefined): Promise<boolean> {
  return swap(target, "touch", "unread", (live) =>
    live === undefined ? { result: false } : { write: { ...live, expiresAt }, result: true },
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
  const context = {
    operation: "increment",
    collection: target.collection,
    key: target.key,
  } as const;
  return swap(target, "increment", "unread", (live) => {
    const { entry, outcomes } = applyIncrements(live, changes, context);
    return entry === undefined ? { result: outcomes } : { write: entry, result: outcomes };
  });
}

/** Replaces the entry while its key is still at `revision`. */
export async function replaceAt(
  target: Target,
  entry: ManagedEntry,
  revision: string,
): Promise<boolean> {
  const put = putRequest(target, entry, target.maxRequestBytes);
  const outcome = await target.leases.withLeases([entry.expiresAt], (leaseOf) => {
    const request_put = withLease(put, entry.expiresAt, leaseOf);
    return swapKey(target.client, target.etcdKey, revision, { request_put });
  });
  return outcome.written;
}

/** Deletes the entry while its key is still at `revision`. */
export async function removeAt(target: Target, revision: string): Promise<boolean> {
  const remove = { request_delete_range: { key: target.etcdKey } };
  return (await swapKey(target.client, target.etcdKey, revision, remove)).written;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

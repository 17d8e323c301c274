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
import { decodeEntry, encodeEntry } from "./codec.ts";
import type { Commands } from "./commands.ts";
import { EXPIRE_NOW, exptimeOf } from "./expiry.ts";
import type { Location } from "./layout.ts";

/** How many conditional writes an operation tries before giving up with `UpdateConflictError`. */
const MAX_ATTEMPTS = 32;
/** The longest wait between two attempts, in ms. */
const MAX_BACKOFF_MS = 100;

/** One entry's item: where it lives and what writes to it need. */
export interface EntryRef {
  commands: Commands;
  location: Location;
  collection: string;
  key: string;
  clock: Clock;
}

/** An entry read with `gets`, with the CAS unique of the item holding it. */
export interface StoredItem {
  entry: ManagedEntry;
  cas: string;
}

/** What one attempt of an operation gives when another writer got there first. */
const CONFLICT: unique symbol = Symbol("conflict");

/** Reads the entry with its CAS unique (`gets`); `undefined` when there is none. */
export async function readStored(ref: EntryRef): Promise<StoredItem | undefined> {
  const item = await ref.commands.read(ref.location.name, true);
  if (item === undefined || item.cas === undefined) return undefined;
  const entry = decodeEntry(item.data, ref.location, ref.collection, ref.key);
  return entry === undefined ? undefined : { entry, cas: item.cas };
}

/** Writes the entry's document at its location with `cas`: `true` when memcached stored it. */
function writeIfUnchanged(ref: EntryRef, entry: ManagedEntry, cas: string): Promise<boolean> {
  const data = encodeEntry(entry, ref.collection, ref.key);
  return ref.commands.cas(
    ref.location.name,
    data,
    exptimeOf(entry.expiresAt, ref.clock.now()),
    cas,
  );
}

/** Writes the entry's document with `add`: `true` when no item was there. */
function writeIfAbsent(ref: EntryRef, entry: ManagedEntry): Promise<boolean> {
  const data = encodeEntry(entry, ref.collection, ref.key);
  return ref.commands.add(ref.location.name, data, exptimeOf(entry.expiresAt, ref.clock.now()));
}

/**
 * Writes the entry where no live one exists: `add`, and when an item is there but its entry has
 * expired (memcached keeps it up to two seconds longer), `cas` over that item.
 */
export function insertEntry(ref: EntryRef, entry: ManagedEntry): Promise<boolean> {
  return retryConflicts(ref, "putIfAbsent", async () => {
    if (await writeIfAbsent(ref, entry)) return true;
    const stored = await readStored(ref);
    if (stored === undefined) return CONFLICT;
    if (!isExpired(stored.entry, ref.clock.now())) return false;
    return (await writeIfUnchanged(ref, entry, stored.cas)) || CONFLICT;
  });
}

/**
 * The store's version token of an item: `<cas unique>:<expires_at in ms>`. The expiry lets a
 * conditional write refuse the version of an entry that has expired since without reading it
 * again: the item with that CAS unique has exactly that expiry.
 */
export function versionOf(stored: StoredItem): string {
  return `${stored.cas}:${stored.entry.expiresAt ?? ""}`;
}

/** The CAS unique a version names, or `undefined` when it is malformed or its entry has expired. */
function expectedCas(ref: EntryRef, version: string): string | undefined {
  const match = /^(\d+):(\d*)$/.exec(version);
  if (match === null) return undefined;
  const [, cas = "", expiresAt = ""] = match;
  const expiry = expiresAt === "" ? undefined : Number(expiresAt);
  return isExpired({ expiresAt: expiry }, ref.clock.now()) ? undefined : cas;
}

/** Replaces the entry while its item still has the version's CAS unique (`cas`). */
export async function replaceIfVersion(
  ref: EntryRef,
  entry: ManagedEntry,
  version: string,
): Promise<boolean> {
  const cas = expectedCas(ref, version);
  return cas !== undefined && writeIfUnchanged(ref, entry, cas);
}

/**
 * Deletes the entry while its item still has the version's CAS unique: a `cas` of an empty item
 * with a negative expiry, which memcached stores as already expired (the text protocol's `delete`
 * takes no CAS unique).
 */
export async function removeIfVersion(ref: EntryRef, version: string): Promise<boolean> {
  const cas = expectedCas(ref, version);
  return cas !== undefined && ref.commands.cas(ref.location.name, "", EXPIRE_NOW, cas);
}

/**
 * Deletes the entry and tells whether it was live: `gets`, then `delete` of a live entry; an
 * expired one's item is expired at once with `cas` (a write in between is left alone).
 */
export async function deleteLive(ref: EntryRef, stored: StoredItem | undefined): Promise<boolean> {
  if (stored === undefined) return false;
  if (isExpired(stored.entry, ref.clock.now())) {
    await ref.commands.cas(ref.location.name, "", EXPIRE_NOW, stored.cas);
    return false;
  }
  return ref.commands.delete(ref.location.name);
}

/**
 * Gives a live entry a new expiry: reads it with `gets`, then writes its document back with only
 * `expires_at` (and the item's expiry) changed, with `cas`; retried on conflict. memcached's
 * `touch` is not used: the expiry the store reads is the one in the document.
 */
export function touchEntry(ref: EntryRef, expiresAt: number | undefined): Promise<boolean> {
  return retryConflicts(ref, "touch", async () => {
    const stored = await readStored(ref);
    if (stored === undefined || isExpired(stored.entry, ref.clock.now())) return false;
    const entry = { value: stored.entry.value, createdAt: stored.entry.createdAt, expiresAt };
    return (await writeIfUnchanged(ref, entry, stored.cas)) || CONFLICT;
  });
}

/**
 * Commits a batch of increments of one key (for the protocol's `IncrementBatcher`): `gets`, the
 * increments applied in order, then `add` (no item) or `cas` (an item, live or expired), retried
 * on conflict. memcached's `incr` is not used: it works on decimal text, and a counter is the
 * entry document of `{ "count": n }`.
 */
export function commitIncrements(
  ref: EntryRef,
  changes: readonly CounterChange[],
): Promise<CounterOutcome[]> {
  return retryConflicts(ref, "increment", async () => {
    const stored = await readStored(ref);
    const live =
      stored === undefined || isExpired(stored.entry, ref.clock.now()) ? undefined : stored;
    const context = { operation: "increment", collection: ref.collection, key: ref.key } as const;
    const { entry, outcomes } = applyIncrements(live?.entry, changes, context);
    if (entry === undefined) return outcomes;
    const written =
      stored === undefined
        ? await writeIfAbsent(ref, entry)
        : await writeIfUnchanged(ref, entry, stored.cas);
    return written ? outcomes : CONFLICT;
  });
}

/**
 * Runs `attempt` until it gives something other than `CONFLICT`, pausing a random, growing
 * while in between.
 * @throws UpdateConflictError after `MAX_ATTEMPTS` conflicts
 */
async function retryConflicts<T>(
  ref: EntryRef,
  operation: Operation,
  attempt: () => Promise<T | typeof CONFLICT>,
): Promise<T> {
  for (let round = 1; round <= MAX_ATTEMPTS; round++) {
    const outcome = await attempt();
    if (outcome !== CONFLICT) return outcome;
    const ceiling = Math.min(MAX_BACKOFF_MS, 2 ** round);
    await new Promise((resolve) => setTimeout(resolve, ceiling * Math.random()));
  }
  throw new UpdateConflictError({
    attempts: MAX_ATTEMPTS,
    operation,
    collection: ref.collection,
    key: ref.key,
  });
}

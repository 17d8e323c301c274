import {
  type Clock,
  type CounterChange,
  type CounterOutcome,
  compareAndSwap,
  incrementBySwap,
  insertBySwap,
  isExpired,
  type ManagedEntry,
  type SwapTarget,
} from "@kv/protocol";
import { decodeEntry, encodeEntry } from "./codec.ts";
import type { Commands } from "./commands.ts";
import { EXPIRE_NOW, exptimeOf } from "./expiry.ts";
import type { Location } from "./layout.ts";

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
 * The entry's item as the protocol's `compareAndSwap` reads and writes it: `gets`, then `add`
 * where no item was read, otherwise `cas` over the one read (live or expired).
 */
function itemSwap(ref: EntryRef): SwapTarget<StoredItem, ManagedEntry> {
  return {
    ...ref,
    read: () => readStored(ref),
    write: (entry, stored) =>
      stored === undefined ? writeIfAbsent(ref, entry) : writeIfUnchanged(ref, entry, stored.cas),
  };
}

/**
 * Writes the entry where no live one exists: `add`, and when an item is there but its entry has
 * expired (memcached keeps it up to two seconds longer), `cas` over that item.
 */
export function insertEntry(ref: EntryRef, entry: ManagedEntry): Promise<boolean> {
  return insertBySwap(itemSwap(ref), entry);
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
  return compareAndSwap(itemSwap(ref), "touch", (live) =>
    live === undefined
      ? { result: false }
      : {
          write: { value: live.entry.value, createdAt: live.entry.createdAt, expiresAt },
          result: true,
        },
  );
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
  return incrementBySwap(itemSwap(ref), changes);
}

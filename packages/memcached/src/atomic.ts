import {
  type AtomicEntry,
  type Clock,
  type CounterChange,
  type CounterOutcome,
  compareAndSwap,
  incrementBySwap,
  insertBySwap,
  isExpired,
  liveVersionToken,
  type ManagedEntry,
  type StoredVersion,
  type SwapTarget,
  versionWithExpiry,
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
 * The atomic operations on one entry's item (the store's `atomicEntry`). A version is
 * `<cas unique>:<expires_at in ms>`: the expiry lets a conditional write refuse the version of an
 * entry that has expired since without reading it again, as the item with that CAS unique has
 * exactly that expiry.
 */
export class ItemEntry implements AtomicEntry {
  readonly #ref: EntryRef;

  constructor(ref: EntryRef) {
    this.#ref = ref;
  }

  /**
   * `add`, and when an item is there but its entry has expired (memcached keeps it up to two
   * seconds longer), `cas` over that item.
   */
  insert(entry: ManagedEntry): Promise<boolean> {
    return insertBySwap(itemSwap(this.#ref), entry);
  }

  /** `gets`: the entry with its version. */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const stored = await readStored(this.#ref);
    return stored && { entry: stored.entry, version: versionWithExpiry(stored.cas, stored.entry) };
  }

  /** `cas` with the version's CAS unique. */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const cas = this.#expectedCas(version);
    return cas !== undefined && writeIfUnchanged(this.#ref, entry, cas);
  }

  /**
   * A `cas` of an empty item with a negative expiry, which memcached stores as already expired
   * (the text protocol's `delete` takes no CAS unique).
   */
  async removeVersioned(version: string): Promise<boolean> {
    const cas = this.#expectedCas(version);
    const { commands, location } = this.#ref;
    return cas !== undefined && commands.cas(location.name, "", EXPIRE_NOW, cas);
  }

  /**
   * Reads the entry with `gets`, then writes its document back with only `expires_at` (and the
   * item's expiry) changed, with `cas`; retried on conflict. memcached's `touch` is not used: the
   * expiry the store reads is the one in the document.
   */
  touch(expiresAt: number | undefined): Promise<boolean> {
    return compareAndSwap(itemSwap(this.#ref), "touch", (live) =>
      live === undefined
        ? { result: false }
        : {
            write: { value: live.entry.value, createdAt: live.entry.createdAt, expiresAt },
            result: true,
          },
    );
  }

  /** The CAS unique a version names, or `undefined` when it is malformed or its entry has expired. */
  #expectedCas(version: string): string | undefined {
    const cas = liveVersionToken(version, this.#ref.clock.now());
    return cas !== undefined && /^\d+$/.test(cas) ? cas : undefined;
  }
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

import {
  type AtomicEntry,
  type Clock,
  type CounterChange,
  isExpired,
  type ManagedEntry,
  nextCount,
  type Operation,
  StoreConfigurationError,
  type StoredVersion,
  UpdateConflictError,
} from "@kv/protocol";
import { type Collection, type Document, Long, ObjectId } from "mongodb";
import { isKeyTaken } from "./errors.ts";
import { counterDocument, fromDocument, liveAt, toDocument } from "./layout.ts";

/** Where one entry lives. */
export interface EntrySlot {
  /** The MongoDB collection of its collection. */
  handle: Collection;
  collection: string;
  key: string;
  /** Whether `key` has a unique index there, which creating an entry atomically needs. */
  uniqueKey: boolean;
}

/**
 * An entry's revision, the store's version token: an `ObjectId` beside `value.object`. Only
 * `getVersioned` and `putIfVersion` write one; every other write replaces `value` whole or unsets
 * it (py-key-value's writes set `value` whole too), so any write makes an old token stale.
 */
const REVISION = "value.revision";
const TOKEN = /^[0-9a-f]{24}$/;
/** How often a call starts over because another writer changed the entry between its steps. */
const ATTEMPTS = 16;
const MAX_COUNT = Number.MAX_SAFE_INTEGER;
const STORED = { _id: 0, value: 1, created_at: 1, expires_at: 1 };

/** `value.object` is a document (after `{}` and before `[]` in BSON order) with one member. */
const ONE_MEMBER = {
  $eq: [
    {
      $size: {
        $objectToArray: {
          $cond: [
            { $and: [{ $gte: ["$value.object", {}] }, { $lt: ["$value.object", []] }] },
            "$value.object",
            {},
          ],
        },
      },
    },
    1,
  ],
};

/**
 * The atomic operations on one entry's document (the store's `atomicEntry`): conditional commands
 * on that document whose filters check expiry too. A version is the document's revision.
 */
export class DocumentEntry implements AtomicEntry {
  readonly #slot: EntrySlot;
  readonly #clock: Clock;

  constructor(slot: EntrySlot, clock: Clock) {
    this.#slot = slot;
    this.#clock = clock;
  }

  /**
   * Writes the entry unless a live one holds the key: one upsert that replaces only an expired
   * document.
   * @throws StoreConfigurationError where `key` has no unique index
   * @throws DocumentTooLargeError when the document would exceed 16 MiB
   */
  insert(entry: ManagedEntry): Promise<boolean> {
    const { collection, key } = this.#slot;
    const document = toDocument(collection, key, entry, {
      operation: "putIfAbsent",
      collection,
      key,
    });
    return insertIfAbsent(this.#slot, "putIfAbsent", document, this.#clock.now());
  }

  /**
   * Reads the live entry with its revision. An entry without one first gets one, by an update
   * that applies only while it still has none: then a second round trip.
   * @throws UpdateConflictError when other writers keep replacing it meanwhile
   */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const { handle, collection, key } = this.#slot;
    const now = this.#clock.now();
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const found = await handle.findOne({ key }, { projection: STORED });
      if (found === null) return undefined;
      const versioned = this.#versionOf(found);
      if (versioned !== undefined) return versioned;
      if (isExpired(fromDocument(found), now)) return undefined;
      const revised = await handle.findOneAndUpdate(
        { key, [REVISION]: { $exists: false }, ...liveAt(now) },
        { $set: { [REVISION]: new ObjectId() } },
        { projection: STORED, returnDocument: "after" },
      );
      if (revised !== null) return this.#versionOf(revised);
    }
    throw new UpdateConflictError({
      operation: "getVersioned",
      collection,
      key,
      attempts: ATTEMPTS,
    });
  }

  /**
   * Replaces the live entry that still has the revision, giving it a new one: one `replaceOne`.
   * @throws DocumentTooLargeError when the document would exceed 16 MiB
   */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const revision = this.#revisionOf(version);
    if (revision === undefined) return false;
    const { handle, collection, key } = this.#slot;
    const document = toDocument(collection, key, entry, {
      operation: "putIfVersion",
      collection,
      key,
    });
    const replacement = { ...document, value: { ...document.value, revision: new ObjectId() } };
    const { matchedCount } = await handle.replaceOne(
      { key, [REVISION]: revision, ...liveAt(this.#clock.now()) },
      replacement,
    );
    return matchedCount > 0;
  }

  /** Deletes the live entry that still has the revision: one `deleteOne`. */
  async removeVersioned(version: string): Promise<boolean> {
    const revision = this.#revisionOf(version);
    if (revision === undefined) return false;
    const { handle, key } = this.#slot;
    const filter = { key, [REVISION]: revision, ...liveAt(this.#clock.now()) };
    const { deletedCount } = await handle.deleteOne(filter);
    return deletedCount > 0;
  }

  /** Sets or removes a live entry's `expires_at` (and its revision): one `updateOne`. */
  async touch(expiresAt: number | undefined): Promise<boolean> {
    const { handle, key } = this.#slot;
    const update: Document =
      expiresAt === undefined
        ? { $unset: { expires_at: "", [REVISION]: "" } }
        : { $set: { expires_at: new Date(expiresAt) }, $unset: { [REVISION]: "" } };
    const { matchedCount } = await handle.updateOne({ key, ...liveAt(this.#clock.now()) }, update);
    return matchedCount > 0;
  }

  /** The entry of a document with its revision as the version; `undefined` when it has none. */
  #versionOf(document: Document): StoredVersion | undefined {
    const revision: unknown = document.value?.revision;
    if (!(revision instanceof ObjectId)) return undefined;
    return { entry: fromDocument(document), version: revision.toHexString() };
  }

  /** The revision a version names, or `undefined` when it is malformed. */
  #revisionOf(version: string): ObjectId | undefined {
    return TOKEN.test(version) ? ObjectId.createFromHexString(version) : undefined;
  }
}

/**
 * Writes the document unless a live entry holds the key: one upsert that replaces only an expired
 * document; the unique `key` index refuses the insert when a live one exists.
 * @throws StoreConfigurationError where `key` has no unique index
 */
async function insertIfAbsent(
  { handle, collection, key, uniqueKey }: EntrySlot,
  operation: Operation,
  document: Document,
  now: number,
): Promise<boolean> {
  if (!uniqueKey) {
    const message = `${operation} needs a unique index on "key"; this collection's key_1 is not unique`;
    throw new StoreConfigurationError({ operation, collection, key, message });
  }
  try {
    await handle.replaceOne({ key, expires_at: { $lte: new Date(now) } }, document, {
      upsert: true,
    });
    return true;
  } catch (error) {
    if (isKeyTaken(error)) return false;
    throw error;
  }
}

/**
 * Adds to a counter. A live counter stored natively is one `findOneAndUpdate` with `$inc`; a
 * missing or expired one is created by `insertIfAbsent`; any other live entry is read, checked
 * with `nextCount` (nothing is written when it is not a counter) and replaced by a native counter
 * only while it is unchanged. A step that loses to another writer starts over.
 * @throws NotACounterError, UpdateConflictError
 */
export async function addToCount(
  slot: EntrySlot,
  change: CounterChange,
  clock: Clock,
): Promise<number> {
  const { collection, key } = slot;
  const created = counterDocument(collection, key, change.by, {
    createdAt: change.now,
    expiresAt: change.expiresAt,
  });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const counted = await incrementNative(slot, change, clock.now());
    if (counted !== undefined) return counted;
    if (await insertIfAbsent(slot, "increment", created, clock.now())) return change.by;
    const rewritten = await rewriteAsCounter(slot, change, clock.now());
    if (rewritten !== undefined) return rewritten;
  }
  throw new UpdateConflictError({ operation: "increment", collection, key, attempts: ATTEMPTS });
}

/**
 * `$inc` on a live `value.object` whose only member is an integer `count` that stays a safe
 * integer; `undefined` when the entry is not such a counter.
 */
async function incrementNative(
  { handle, key }: EntrySlot,
  { by, expiresAt, refresh }: CounterChange,
  now: number,
): Promise<number | undefined> {
  const unset: Document = { [REVISION]: "" };
  const update: Document = { $inc: { "value.object.count": Long.fromNumber(by) }, $unset: unset };
  if (refresh && expiresAt === undefined) unset.expires_at = "";
  if (refresh && expiresAt !== undefined) update.$set = { expires_at: new Date(expiresAt) };
  const range = { $gte: Long.fromNumber(-MAX_COUNT - by), $lte: Long.fromNumber(MAX_COUNT - by) };
  const after = await handle.findOneAndUpdate(
    {
      key,
      ...liveAt(now),
      "value.object.count": { $type: ["int", "long"], ...range },
      $expr: ONE_MEMBER,
    },
    update,
    {
      projection: { _id: 0, "value.object.count": 1 },
      returnDocument: "after",
      promoteLongs: true,
    },
  );
  return after === null ? undefined : Number(after.value.object.count);
}

/** Replaces a live entry holding a counter in another form with its native next count, if unchanged. */
async function rewriteAsCounter(
  { handle, collection, key }: EntrySlot,
  change: CounterChange,
  now: number,
): Promise<number | undefined> {
  const found = await handle.findOne({ key }, { projection: STORED });
  if (found === null) return undefined;
  const entry = fromDocument(found);
  if (isExpired(entry, now)) return undefined;
  const count = nextCount(entry.value, change.by, { operation: "increment", collection, key });
  const expiresAt = change.refresh ? change.expiresAt : entry.expiresAt;
  const unchanged = {
    key,
    value: found.value,
    created_at: found.created_at ?? null,
    expires_at: found.expires_at ?? null,
    ...liveAt(now),
  };
  const replacement = counterDocument(collection, key, count, {
    createdAt: entry.createdAt,
    expiresAt,
  });
  const { matchedCount } = await handle.replaceOne(unchanged, replacement);
  return matchedCount > 0 ? count : undefined;
}

import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { errorCode, unlinkIfExists, writeAtomic } from "@kv/atomic-files";
import {
  type AtomicEntry,
  type CounterChange,
  counterEntry,
  isExpired,
  type ManagedEntry,
  type StoredVersion,
  serializeEntry,
} from "@kv/protocol";
import type { EntryAccess } from "./entry-access.ts";
import { readEntry } from "./entry-files.ts";

/**
 * Reads an entry file with its version token: the file's inode number and a digest of all its
 * bytes. Every write installs a new file (a new inode while the old one still exists) and no file
 * is changed once installed, so the token changes with every write; only a file holding exactly
 * the same bytes on a recycled inode can repeat an earlier token.
 */
export async function readWithVersion(
  path: string,
  collection: string,
  key: string,
): Promise<StoredVersion | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  try {
    const { ino } = await handle.stat({ bigint: true });
    const text = await handle.readFile("utf8");
    const digest = createHash("sha256").update(text).digest("base64url").slice(0, 22);
    return { entry: readEntry(text, collection, key), version: `${ino.toString(36)}-${digest}` };
  } finally {
    await handle.close();
  }
}

/**
 * One entry's file while its lock is held: every writer of the entry holds the lock, so what is
 * read here stays current until this caller writes.
 */
export class LockedEntry {
  /** True once the file was written or removed. */
  changed = false;
  /** True when the last change removed the file. */
  removed = false;
  /** The entry file's path. */
  readonly path: string;
  /** The entry's collection. */
  readonly collection: string;
  /** The entry's key. */
  readonly key: string;
  private readonly fsync: boolean;

  constructor(path: string, collection: string, key: string, fsync: boolean) {
    this.path = path;
    this.collection = collection;
    this.key = key;
    this.fsync = fsync;
  }

  /** The stored entry and its version, when there is one and it is live at `now`. */
  async live(now: number): Promise<StoredVersion | undefined> {
    const found = await readWithVersion(this.path, this.collection, this.key);
    return found === undefined || isExpired(found.entry, now) ? undefined : found;
  }

  /** Installs a new file holding `entry`. */
  async write(entry: ManagedEntry): Promise<void> {
    const text = serializeEntry(entry, { collection: this.collection, key: this.key });
    await writeAtomic(this.path, text, { fsync: this.fsync });
    this.changed = true;
    this.removed = false;
  }

  /** Removes the file. */
  async remove(): Promise<void> {
    await unlinkIfExists(this.path);
    this.changed = true;
    this.removed = true;
  }
}

/**
 * The atomic operations on one entry's file (the store's `atomicEntry`): each write runs under the
 * entry's lock (`EntryAccess.locked`), which every writer of the entry, in any instance or
 * process, holds. A version is the file's inode number and a digest of its bytes (see
 * `readWithVersion`).
 */
export class FileEntry implements AtomicEntry {
  readonly #access: EntryAccess;
  readonly #collection: string;
  readonly #key: string;

  constructor(access: EntryAccess, collection: string, key: string) {
    this.#access = access;
    this.#collection = collection;
    this.#key = key;
  }

  /** Installs a file holding `entry` unless a live entry is stored; `true` when written. */
  insert(entry: ManagedEntry): Promise<boolean> {
    return this.#access.locked(this.#collection, this.#key, async (file, now) => {
      if ((await file.live(now)) !== undefined) return false;
      await file.write(entry);
      return true;
    });
  }

  /** Reads the file, expired or not, with its version; a live entry counts as a use. */
  readVersioned(): Promise<StoredVersion | undefined> {
    return this.#access.readVersioned(this.#collection, this.#key);
  }

  /** Installs a file holding `entry` while the live stored entry has `version`. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    return this.#changeIfVersion(version, entry);
  }

  /** Removes the file while the live stored entry has `version`. */
  removeVersioned(version: string): Promise<boolean> {
    return this.#changeIfVersion(version, undefined);
  }

  /** Gives a live entry a new expiry, keeping its value and `createdAt`; `false` when there is none. */
  touch(expiresAt: number | undefined): Promise<boolean> {
    return this.#access.locked(this.#collection, this.#key, async (file, now) => {
      const current = (await file.live(now))?.entry;
      if (current === undefined) return false;
      await file.write({ ...current, expiresAt });
      return true;
    });
  }

  /**
   * Only while the live stored entry has `version`: writes `entry`, or removes the file when
   * `entry` is `undefined`.
   * @returns `false` when the entry changed, vanished or expired since that version
   */
  #changeIfVersion(version: string, entry: ManagedEntry | undefined): Promise<boolean> {
    return this.#access.locked(this.#collection, this.#key, async (file, now) => {
      if ((await file.live(now))?.version !== version) return false;
      await (entry === undefined ? file.remove() : file.write(entry));
      return true;
    });
  }
}

/**
 * Adds to the counter stored in the file (a missing or expired entry counts as 0) and returns the
 * new count; a new counter gets `change.now` and `change.expiresAt`, an existing one keeps its
 * timestamps unless `change.refresh`.
 * @throws NotACounterError, leaving the file as it is, for any other value or an unsafe count
 */
export async function addToCounter(
  file: LockedEntry,
  change: CounterChange,
  now: number,
): Promise<number> {
  const current = (await file.live(now))?.entry;
  const context = { operation: "increment", collection: file.collection, key: file.key } as const;
  const { entry, count } = counterEntry(current, change, context);
  await file.write(entry);
  return count;
}

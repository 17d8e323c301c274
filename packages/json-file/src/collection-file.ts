import { open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import {
  isMissing,
  type LockPolicy,
  syncDirectory,
  unlinkIfExists,
  writeAtomic,
} from "@kv/atomic-files";
import { type Clock, DeserializationError, isExpired, type ManagedEntry } from "@kv/protocol";
import { type FileContents, formatFile, parseFile } from "./file-document.ts";
import { acquireLock, releaseLock } from "./file-lock.ts";

/** How a store writes its collection files. */
export interface WriteSettings {
  /** Flush each file and its directory to the device before a write resolves. */
  readonly fsync: boolean;
  /** How the file's lock is taken. */
  readonly lock: LockPolicy;
  /** The time source for expiry. */
  readonly clock: Clock;
}

/** A private copy of an entry, so neither the caller nor the file's snapshot shares its value. */
export function copyOf(entry: ManagedEntry): ManagedEntry {
  return { ...entry, value: JSON.parse(JSON.stringify(entry.value)) };
}

/** The entries of a collection file while its writer holds it: changes are made on a copy. */
export class Draft {
  /** True once a change was made, so the file must be written. */
  changed = false;
  /** The entries as they will be written. */
  readonly entries: Map<string, ManagedEntry>;
  /** The time of this batch of changes, in epoch ms. */
  readonly now: number;

  constructor(entries: ReadonlyMap<string, ManagedEntry>, now: number) {
    this.entries = new Map(entries);
    this.now = now;
  }

  /** The live entry of `key`, if any. */
  live(key: string): ManagedEntry | undefined {
    const entry = this.entries.get(key);
    return entry === undefined || isExpired(entry, this.now) ? undefined : entry;
  }

  /** Sets the entry of `key`. */
  set(key: string, entry: ManagedEntry): void {
    this.entries.set(key, entry);
    this.changed = true;
  }

  /** Removes `key`; `true` when it held a live entry. */
  remove(key: string): boolean {
    const live = this.live(key) !== undefined;
    if (this.entries.delete(key)) this.changed = true;
    return live;
  }
}

/** One queued change of a file, with its caller's promise. */
interface Change {
  readonly apply: (draft: Draft) => unknown;
  /** When given, a file that cannot be read is replaced by an empty one and this gives the result. */
  readonly replaceUnreadable: (() => unknown) | undefined;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What one change came to. */
type Outcome = { result: unknown } | { error: unknown };

/** What was last read or written, and the file's identity at that moment. */
interface Snapshot {
  readonly identity: string;
  readonly entries: ReadonlyMap<string, ManagedEntry>;
}

/** The file's identity: it changes whenever the file is replaced, edited or removed. */
async function identityOf(path: string): Promise<string> {
  try {
    return identityFrom(await stat(path, { bigint: true }));
  } catch (error) {
    if (isMissing(error)) return "absent";
    throw error;
  }
}

function identityFrom(stats: {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** Files being written in this process: one queue per path, shared by every store instance. */
const queues = new Map<string, Promise<void>>();

function enqueue(path: string, work: () => Promise<void>): void {
  const next = (queues.get(path) ?? Promise.resolve()).then(work);
  queues.set(path, next);
  void next.then(() => {
    if (queues.get(path) === next) queues.delete(path);
  });
}

/**
 * One collection's JSON file. Reads cost one `stat` while the file is unchanged, and read it again
 * once anything (another store, another process, an editor) has replaced or edited it. Changes
 * are queued: one writer per file in this process at a time, and the changes queued while a write
 * is under way are applied together by the next one. Each write takes the file's lock, reads the
 * file again if it changed since it was read, applies the changes in call order, and installs the
 * result atomically, so no update from this or another process is lost.
 */
export class CollectionFile {
  /** The file's absolute path. */
  readonly path: string;
  /** The collection it holds. */
  readonly collection: string;
  private readonly settings: WriteSettings;
  private snapshot: Snapshot | undefined;
  private pending: Change[] = [];

  constructor(path: string, collection: string, settings: WriteSettings) {
    this.path = path;
    this.collection = collection;
    this.settings = settings;
  }

  /**
   * The entries the file holds now, expired ones included. Never mutate them.
   * @throws JsonFileSyntaxError or DeserializationError when the file cannot be read as entries
   */
  async read(): Promise<ReadonlyMap<string, ManagedEntry>> {
    const identity = await identityOf(this.path);
    if (this.snapshot?.identity === identity) return this.snapshot.entries;
    return (await this.load()).entries;
  }

  /**
   * Applies `apply` to the file's entries under its lock and writes the file when it changed
   * anything; resolves with what `apply` returned. When `apply` throws, its changes are dropped
   * (it must throw before changing anything) and the call rejects. A file that is not valid
   * JSON or holds no valid entries fails the call, unless `replaceUnreadable` is given: then
   * `apply` runs on no entries and the call resolves with what `replaceUnreadable` returns.
   * @throws ConcurrentWriterError, JsonFileSyntaxError, DeserializationError, file-system errors
   */
  update<T>(apply: (draft: Draft) => T, replaceUnreadable?: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        apply,
        replaceUnreadable,
        resolve: resolve as (result: unknown) => void,
        reject,
      });
      if (this.pending.length === 1) enqueue(this.path, () => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    let outcomes: Outcome[];
    try {
      const owner = await acquireLock(this.path, this.settings.lock);
      try {
        outcomes = await this.applyAndWrite(batch);
      } finally {
        await releaseLock(this.path, owner);
      }
    } catch (error) {
      for (const change of batch) change.reject(error);
      return;
    }
    for (const [index, change] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome === undefined || "error" in outcome) change.reject(outcome?.error);
      else change.resolve(outcome.result);
    }
  }

  private async applyAndWrite(batch: readonly Change[]): Promise<Outcome[]> {
    const now = this.settings.clock.now();
    let draft: Draft | undefined;
    let unreadable: unknown;
    try {
      const identity = await identityOf(this.path);
      const current = this.snapshot?.identity === identity ? this.snapshot : await this.load();
      draft = new Draft(current.entries, now);
    } catch (error) {
      if (!DeserializationError.isInstance(error)) throw error;
      unreadable = error;
    }
    const outcomes = batch.map((change): Outcome => {
      try {
        if (draft !== undefined) return { result: change.apply(draft) };
        if (change.replaceUnreadable === undefined) return { error: unreadable };
        draft = new Draft(new Map(), now);
        draft.changed = true;
        change.apply(draft);
        return { result: change.replaceUnreadable() };
      } catch (error) {
        return { error };
      }
    });
    if (draft?.changed === true) await this.write(draft);
    return outcomes;
  }

  /** Writes the draft's live entries, or removes the file when none is left. */
  private async write(draft: Draft): Promise<void> {
    const { entries, now } = draft;
    for (const [key, entry] of entries) if (isExpired(entry, now)) entries.delete(key);
    if (entries.size === 0) {
      if ((await unlinkIfExists(this.path)) && this.settings.fsync) {
        await syncDirectory(dirname(this.path));
      }
      this.snapshot = { identity: "absent", entries };
      return;
    }
    const { fsync } = this.settings;
    await writeAtomic(this.path, formatFile(this.collection, entries), { fsync });
    if (fsync) await syncDirectory(dirname(this.path));
    this.snapshot = { identity: await identityOf(this.path), entries };
  }

  /** Reads the file through one handle, so its identity and contents match. */
  private async load(): Promise<Snapshot> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, "r");
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.snapshot = { identity: "absent", entries: new Map() };
      return this.snapshot;
    }
    let contents: FileContents;
    let identity: string;
    try {
      identity = identityFrom(await handle.stat({ bigint: true }));
      contents = parseFile(await handle.readFile("utf8"), this.path);
    } finally {
      await handle.close();
    }
    this.snapshot = { identity, entries: contents.entries };
    return this.snapshot;
  }
}

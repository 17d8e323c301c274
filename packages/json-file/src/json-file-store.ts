import { mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { encodeName, type LockPolicy, toFileStoreError } from "@kv/atomic-files";
import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  counterEntry,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  isExpired,
  type KeyValueError,
  type ManagedEntry,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import { CollectionFile, copyOf } from "./collection-file.ts";
import { collectionsIn, removeLeftovers } from "./directory.ts";
import { inCallContext } from "./errors.ts";
import { FileEntry } from "./file-entry.ts";
import { fileSuffix } from "./file-names.ts";
import { type JsonFileStoreOptions, resolveJsonFileOptions } from "./options.ts";

const JsonFileBase: StoreClass<EnumerationCapability | "entries" | AtomicCapability> = storeWith(
  ...ENUMERATION_CAPABILITIES,
  "entries",
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store of small, hand-editable JSON files: one pretty-printed `<collection>.json` per
 * collection in a directory, each entry kept as py-key-value's entry document (value, creation
 * time, expiry). Every write rewrites its file atomically (temporary file, fsync, rename) under the
 * file's lock; writes from one process are queued per file and those queued together are written
 * together. Reads cost one `stat` while the file is unchanged and see edits made by hand or by
 * other processes.
 */
export class JsonFileStore extends JsonFileBase {
  /** The directory, as given (resolved to an absolute path). */
  readonly directory: string;
  private readonly writes: { fsync: boolean; lock: LockPolicy };
  private readonly files = new Map<string, CollectionFile>();
  private root = "";

  /** @throws TypeError or RangeError when `directory`, `lock` or `lockTimeoutMs` is not acceptable */
  constructor(options: JsonFileStoreOptions) {
    super(options);
    const { directory, ...writes } = resolveJsonFileOptions(options);
    this.directory = directory;
    this.writes = writes;
  }

  protected override async setup(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    this.root = await realpath(this.directory);
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toFileStoreError(inCallContext(error, context), context);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const entry = (await this.file(collection).read()).get(key);
    return entry === undefined ? undefined : copyOf(entry);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const entries = await this.file(collection).read();
    return keys.map((key) => {
      const entry = entries.get(key);
      return entry === undefined ? undefined : copyOf(entry);
    });
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const own = copyOf(entry);
    await this.file(collection).update((draft) => draft.set(key, own));
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    const own = entries.map(([key, entry]) => [key, copyOf(entry)] as const);
    await this.file(collection).update((draft) => {
      for (const [key, entry] of own) draft.set(key, entry);
    });
  }

  protected deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.file(collection).update((draft) => draft.remove(key));
  }

  protected override deleteEntries(collection: string, keys: readonly string[]): Promise<number> {
    return this.file(collection).update((draft) => keys.filter((key) => draft.remove(key)).length);
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const now = this.clock.now();
    for (const [key, entry] of await this.file(collection).read()) {
      if (!isExpired(entry, now)) yield key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    for (const collection of await collectionsIn(this.root)) {
      const now = this.clock.now();
      const entries = await this.file(collection).read();
      if (Array.from(entries.values()).some((entry) => !isExpired(entry, now))) yield collection;
    }
  }

  /**
   * Removes the collection's file under its lock, even one that cannot be read; `true` when it
   * held a live entry (or could not be read).
   */
  protected dropCollection(collection: string): Promise<boolean> {
    return this.file(collection).update(
      (draft) => {
        let held = false;
        for (const key of Array.from(draft.entries.keys())) held = draft.remove(key) || held;
        return held;
      },
      () => true,
    );
  }

  /** Removes every collection file in the directory; other files are left alone. */
  protected async dropAll(): Promise<boolean> {
    let held = false;
    for (const collection of await collectionsIn(this.root)) {
      held = (await this.dropCollection(collection)) || held;
    }
    return held;
  }

  /** Rewrites each file without its expired entries, and removes what killed writers left. */
  protected async removeExpired(): Promise<void> {
    await removeLeftovers(this.root);
    for (const collection of await collectionsIn(this.root)) {
      await this.file(collection).update((draft) => {
        for (const [key, entry] of draft.entries) {
          if (isExpired(entry, draft.now)) draft.remove(key);
        }
      });
    }
  }

  protected atomicEntry(collection: string, key: string): FileEntry {
    return new FileEntry(this.file(collection), key);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    const context = { operation: "increment", collection, key } as const;
    return this.file(collection).update((draft) => {
      const { entry, count } = counterEntry(draft.live(key), change, context);
      draft.set(key, entry);
      return count;
    });
  }

  private file(collection: string): CollectionFile {
    let file = this.files.get(collection);
    if (file === undefined) {
      const path = join(this.root, encodeName(collection) + fileSuffix);
      file = new CollectionFile(path, collection, { ...this.writes, clock: this.clock });
      this.files.set(collection, file);
    }
    return file;
  }
}

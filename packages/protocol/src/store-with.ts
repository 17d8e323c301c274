import {
  bindVersion,
  type CounterChange,
  type IncrementOptions,
  resolveIncrement,
  type TouchOptions,
  unbindVersion,
  type VersionedValue,
} from "./atomic.ts";
import { BaseStore, type BaseStoreOptions } from "./base-store.ts";
import {
  type Capability,
  type CapabilityMethods,
  type CollectionsOptions,
  capabilityMethods,
  type KeysOptions,
  takeFirst,
  type UnionToIntersection,
} from "./capabilities.ts";
import type { Operation } from "./errors.ts";
import type { CollectionOptions, PutOptions, Value } from "./key-value.ts";
import { createEntry, isExpired, type ManagedEntry, remainingTtl } from "./managed-entry.ts";
import { capabilityTracedMethods, traceMethods } from "./tracing.ts";
import { resolveTtl, validateEntry, validateKey, validateValue } from "./validation.ts";

/** What a store implements to offer `keys()` and `iterateKeys()`. */
declare abstract class KeysHook {
  /**
   * Yields the live keys of one collection, paging through the backend in bounded memory.
   * Setup, validation, `limit` and error mapping are done by the caller.
   */
  protected abstract enumerateKeys(collection: string): AsyncIterable<string>;
}

/** What a store implements to offer `collections()` and `iterateCollections()`. */
declare abstract class CollectionsHook {
  /** Yields every collection holding at least one entry, in bounded memory. */
  protected abstract enumerateCollections(): AsyncIterable<string>;
}

/** What a store implements to offer `destroyCollection()`. */
declare abstract class DestroyCollectionHook {
  /** Removes every entry of one (validated) collection; `true` when it held any. */
  protected abstract dropCollection(collection: string): Promise<boolean>;
}

/** What a store implements to offer `destroy()`. */
declare abstract class DestroyHook {
  /** Removes every entry this store wrote; `true` when there were any. */
  protected abstract dropAll(): Promise<boolean>;
}

/** What a store implements to offer `cull()`. */
declare abstract class CullHook {
  /** Removes expired entries from the backend. */
  protected abstract removeExpired(): Promise<void>;
}

/** What a store implements to offer `close()`. */
declare abstract class CloseHook {
  /** Releases what the store owns (never a client it borrowed). Called once. */
  protected abstract release(): Promise<void>;
}

/** What a store implements to offer `putIfAbsent()`. */
declare abstract class PutIfAbsentHook {
  /**
   * Writes the entry only when the key has no live entry (replacing an expired one), in one
   * atomic step: `true` when written.
   */
  protected abstract insertEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): Promise<boolean>;
}

/** An entry with the store's own token for its current version. */
export interface StoredVersion {
  /** The entry (expired ones are filtered by the caller). */
  entry: ManagedEntry;
  /** A token that changes with every write of this entry. */
  version: string;
}

/** What a store implements to offer `getVersioned()`, `putIfVersion()` and `deleteIfVersion()`. */
declare abstract class VersionsHook {
  /** Reads an entry with its version token. */
  protected abstract readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined>;
  /** Writes the entry only while the stored one is live and has `version`, atomically. */
  protected abstract replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean>;
  /** Deletes the entry only while it is live and has `version`, atomically. */
  protected abstract removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean>;
}

/** What a store implements to offer `increment()`. */
declare abstract class IncrementHook {
  /**
   * Adds to the counter atomically and returns the new count; a missing or expired entry starts
   * at 0. Throws `NotACounterError` (leaving the entry unchanged) for any other value or a count
   * beyond the safe integers (`nextCount` does both checks).
   */
  protected abstract addToCounter(
    collection: string,
    key: string,
    change: CounterChange,
  ): Promise<number>;
}

/** What a store implements to offer `touch()`. */
declare abstract class TouchHook {
  /** Sets a live entry's expiry, keeping its value and `createdAt`; `false` when missing or expired. */
  protected abstract touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean>;
}

/**
 * The atomic operations on one entry, for a store that offers `putIfAbsent`, `versions` and
 * `touch` through one hook, `atomicEntry(collection, key)`, instead of one hook per operation.
 * Each method keeps the promise of the hook it stands for.
 */
export interface AtomicEntry {
  /** As `insertEntry`: writes the entry only when no live one exists, atomically; `true` when written. */
  insert(entry: ManagedEntry): Promise<boolean>;
  /** As `readVersioned`: the entry with its version token. */
  readVersioned(): Promise<StoredVersion | undefined>;
  /** As `replaceVersioned`: writes only while the stored entry is live and has `version`, atomically. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean>;
  /** As `removeVersioned`: deletes only while the entry is live and has `version`, atomically. */
  removeVersioned(version: string): Promise<boolean>;
  /** As `touchEntry`: sets a live entry's expiry; `false` when missing or expired. */
  touch(expiresAt: number | undefined): Promise<boolean>;
}

/** The part of `AtomicEntry` each capability needs. */
interface AtomicEntryParts {
  putIfAbsent: Pick<AtomicEntry, "insert">;
  versions: Pick<AtomicEntry, "readVersioned" | "replaceVersioned" | "removeVersioned">;
  touch: Pick<AtomicEntry, "touch">;
}

/** A capability that a store may offer through `atomicEntry`. */
type EntryCapability = keyof AtomicEntryParts;

/** What a store made by `storeWithAtomicEntry` implements for the capabilities of `E`. */
declare abstract class AtomicEntryHook<E> {
  /**
   * The atomic operations on the entry at `key` in one (validated) collection. Called once per
   * operation; setup, validation and error mapping are done by the caller.
   */
  protected abstract atomicEntry(collection: string, key: string): E;
}

interface CapabilityHooks {
  keys: KeysHook;
  collections: CollectionsHook;
  destroyCollection: DestroyCollectionHook;
  destroy: DestroyHook;
  cull: CullHook;
  close: CloseHook;
  /** Entry access needs no hook of its own: it runs on `getEntries` and `putEntries`. */
  entries: object;
  putIfAbsent: PutIfAbsentHook;
  versions: VersionsHook;
  increment: IncrementHook;
  touch: TouchHook;
}

const hookNames: { readonly [C in Capability]: readonly string[] } = {
  keys: ["enumerateKeys"],
  collections: ["enumerateCollections"],
  destroyCollection: ["dropCollection"],
  destroy: ["dropAll"],
  cull: ["removeExpired"],
  close: ["release"],
  entries: [],
  putIfAbsent: ["insertEntry"],
  versions: ["readVersioned", "replaceVersioned", "removeVersioned"],
  increment: ["addToCounter"],
  touch: ["touchEntry"],
};

type Hooks<C extends Capability> = UnionToIntersection<CapabilityHooks[C]>;

/**
 * The base class of a store with the capabilities `C`: `BaseStore`, the public methods of each
 * capability, and one abstract protected hook per capability for the store to implement.
 */
export type StoreClass<C extends Capability> = abstract new (
  options?: BaseStoreOptions,
) => BaseStore & CapabilityMethods<C> & Hooks<C>;

/**
 * The base class of a store with the capabilities `C` whose `putIfAbsent`, `versions` and
 * `touch` run on one hook, `atomicEntry`: as `StoreClass<C>`, with that hook in place of
 * `insertEntry`, the three versioned hooks and `touchEntry`.
 */
export type AtomicEntryStoreClass<C extends Capability> = abstract new (
  options?: BaseStoreOptions,
) => BaseStore &
  CapabilityMethods<C> &
  Hooks<Exclude<C, EntryCapability>> &
  ([C & EntryCapability] extends [never]
    ? unknown
    : AtomicEntryHook<UnionToIntersection<AtomicEntryParts[C & EntryCapability]>>);

/**
 * The public methods of every capability, written once. `storeWith` copies the ones a store
 * declares onto its base class, so a store without a capability has no such method at all.
 */
abstract class CapabilityMethodsImpl extends BaseStore {
  declare protected enumerateKeys: (collection: string) => AsyncIterable<string>;
  declare protected enumerateCollections: () => AsyncIterable<string>;
  declare protected dropCollection: (collection: string) => Promise<boolean>;
  declare protected dropAll: () => Promise<boolean>;
  declare protected removeExpired: () => Promise<void>;
  declare protected release: () => Promise<void>;
  declare protected insertEntry: PutIfAbsentHook["insertEntry"];
  declare protected readVersioned: VersionsHook["readVersioned"];
  declare protected replaceVersioned: VersionsHook["replaceVersioned"];
  declare protected removeVersioned: VersionsHook["removeVersioned"];
  declare protected addToCounter: IncrementHook["addToCounter"];
  declare protected touchEntry: TouchHook["touchEntry"];

  async keys(options?: KeysOptions): Promise<string[]> {
    return takeFirst(this.iterateKeys(options), options?.limit);
  }

  async *iterateKeys(options?: CollectionOptions): AsyncIterable<string> {
    const collection = this.resolveCollection(options, "keys");
    yield* this.iterate("keys", collection, () => this.enumerateKeys(collection));
  }

  async collections(options?: CollectionsOptions): Promise<string[]> {
    return takeFirst(this.iterateCollections(), options?.limit);
  }

  iterateCollections(): AsyncIterable<string> {
    return this.iterate("collections", undefined, () => this.enumerateCollections());
  }

  async destroyCollection(collection: string): Promise<boolean> {
    const name = this.resolveCollection({ collection }, "destroyCollection");
    return this.guard(
      "destroyCollection",
      name,
      async () => {
        const dropped = await this.dropCollection(name);
        this.forgetCollection(name);
        return dropped;
      },
      "store",
    );
  }

  destroy(): Promise<boolean> {
    return this.guard("destroy", undefined, () => this.dropAll());
  }

  cull(): Promise<void> {
    return this.guard("cull", undefined, () => this.removeExpired());
  }

  close(): Promise<void> {
    return this.closeWith(() => this.release());
  }

  async readEntries(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(ManagedEntry | undefined)[]> {
    const entries = await this.readLiveEntries(keys, options, "readEntries");
    // Plain entries, whatever lazy form a store's codec reads them into.
    return entries.map(
      (entry) =>
        entry && { value: entry.value, createdAt: entry.createdAt, expiresAt: entry.expiresAt },
    );
  }

  async writeEntries(
    entries: readonly (readonly [string, ManagedEntry])[],
    options?: CollectionOptions,
  ): Promise<void> {
    const collection = this.resolveCollection(options, "writeEntries");
    if (!Array.isArray(entries)) throw new TypeError("writeEntries expects [key, entry] pairs");
    const now = this.clock.now();
    const latest = new Map<string, ManagedEntry>();
    for (const [key, entry] of entries) {
      const context = { operation: "writeEntries", collection, key } as const;
      validateKey(key, context);
      validateEntry(entry, now, context);
      latest.delete(key);
      latest.set(key, entry);
    }
    const live = [...latest].filter(([, entry]) => !isExpired(entry, now));
    if (live.length === 0) return;
    await this.guard("writeEntries", collection, () => this.putEntries(collection, live));
  }

  async putIfAbsent(key: string, value: Value, options?: PutOptions): Promise<boolean> {
    const collection = this.resolveCollection(options, "putIfAbsent");
    const entry = entryToWrite("putIfAbsent", collection, key, value, options, this.clock.now());
    return this.guardKey("putIfAbsent", collection, key, () =>
      this.insertEntry(collection, key, entry),
    );
  }

  async getVersioned(
    key: string,
    options?: CollectionOptions,
  ): Promise<VersionedValue | undefined> {
    const collection = this.resolveCollection(options, "getVersioned");
    validateKey(key, { operation: "getVersioned", collection });
    const found = await this.guardKey("getVersioned", collection, key, () =>
      this.readVersioned(collection, key),
    );
    const now = this.clock.now();
    if (found === undefined || isExpired(found.entry, now)) return undefined;
    return {
      value: found.entry.value,
      ttl: remainingTtl(found.entry, now),
      version: bindVersion(collection, key, found.version),
    };
  }

  async putIfVersion(
    key: string,
    value: Value,
    version: string,
    options?: PutOptions,
  ): Promise<boolean> {
    const collection = this.resolveCollection(options, "putIfVersion");
    const entry = entryToWrite("putIfVersion", collection, key, value, options, this.clock.now());
    const token = storeVersion("putIfVersion", collection, key, version);
    if (token === undefined) return false;
    return this.guardKey("putIfVersion", collection, key, () =>
      this.replaceVersioned(collection, key, entry, token),
    );
  }

  async deleteIfVersion(
    key: string,
    version: string,
    options?: CollectionOptions,
  ): Promise<boolean> {
    const collection = this.resolveCollection(options, "deleteIfVersion");
    validateKey(key, { operation: "deleteIfVersion", collection });
    const token = storeVersion("deleteIfVersion", collection, key, version);
    if (token === undefined) return false;
    return this.guardKey("deleteIfVersion", collection, key, () =>
      this.removeVersioned(collection, key, token),
    );
  }

  async increment(key: string, options?: IncrementOptions): Promise<number> {
    const collection = this.resolveCollection(options, "increment");
    const context = { operation: "increment", collection, key } as const;
    validateKey(key, context);
    const by = resolveIncrement(options?.by);
    const ttl = resolveTtl(options?.ttl, context);
    const now = this.clock.now();
    const change = {
      by,
      now,
      expiresAt: ttl === undefined ? undefined : now + ttl * 1000,
      refresh: options?.refreshTtl === true,
    };
    return this.guardKey("increment", collection, key, () =>
      this.addToCounter(collection, key, change),
    );
  }

  async touch(key: string, options: TouchOptions): Promise<boolean> {
    const collection = this.resolveCollection(options, "touch");
    const context = { operation: "touch", collection, key } as const;
    validateKey(key, context);
    const ttl = resolveTtl(options?.ttl, context);
    const expiresAt = ttl === undefined ? undefined : this.clock.now() + ttl * 1000;
    return this.guardKey("touch", collection, key, () =>
      this.touchEntry(collection, key, expiresAt),
    );
  }
}

traceMethods(CapabilityMethodsImpl.prototype, capabilityTracedMethods);

/** The hooks that `atomicEntry` stands in for. */
interface AtomicEntryHooks {
  insertEntry: PutIfAbsentHook["insertEntry"];
  readVersioned: VersionsHook["readVersioned"];
  replaceVersioned: VersionsHook["replaceVersioned"];
  removeVersioned: VersionsHook["removeVersioned"];
  touchEntry: TouchHook["touchEntry"];
}

/** The hooks of `putIfAbsent`, `versions` and `touch`, each run on the store's `atomicEntry`. */
const atomicEntryHooks: AtomicEntryHooks &
  ThisType<{ atomicEntry(collection: string, key: string): AtomicEntry }> = {
  insertEntry(collection, key, entry) {
    return this.atomicEntry(collection, key).insert(entry);
  },
  readVersioned(collection, key) {
    return this.atomicEntry(collection, key).readVersioned();
  },
  replaceVersioned(collection, key, entry, version) {
    return this.atomicEntry(collection, key).replaceVersioned(entry, version);
  },
  removeVersioned(collection, key, version) {
    return this.atomicEntry(collection, key).removeVersioned(version);
  },
  touchEntry(collection, key, expiresAt) {
    return this.atomicEntry(collection, key).touch(expiresAt);
  },
};

const entryCapabilities: ReadonlySet<Capability> = new Set<EntryCapability>([
  "putIfAbsent",
  "versions",
  "touch",
]);

/**
 * The entry a conditional write stores, its input checked.
 * @throws InvalidKeyError, InvalidTtlError, SerializationError
 */
function entryToWrite(
  operation: Operation,
  collection: string,
  key: string,
  value: Value,
  options: PutOptions | undefined,
  now: number,
): ManagedEntry {
  const context = { operation, collection, key };
  validateKey(key, context);
  const ttl = resolveTtl(options?.ttl, context);
  validateValue(value, context);
  return createEntry(value, ttl, now);
}

/**
 * The store's own token in a public version; `undefined` when it names another key.
 * @throws TypeError when the version is not a string
 */
function storeVersion(
  operation: Operation,
  collection: string,
  key: string,
  version: string,
): string | undefined {
  if (typeof version !== "string") {
    throw new TypeError(`${operation} expects the version string getVersioned() returned`);
  }
  return unbindVersion(collection, key, version);
}

const madeClasses = new Map<string, StoreClass<Capability>>();

/**
 * The base class for a store offering the capabilities named: extend it and implement one
 * protected hook per capability (`enumerateKeys`, `enumerateCollections`, `dropCollection`,
 * `dropAll`, `removeExpired`, `release`, `insertEntry`, `readVersioned` with `replaceVersioned`
 * and `removeVersioned`, `addToCounter`, `touchEntry`). The public methods, their validation,
 * setup, `limit` handling and error mapping come from here; the store's type has exactly those
 * capabilities.
 *
 * ```ts
 * const Base: StoreClass<"keys" | "destroy"> = storeWith("keys", "destroy");
 * export class MyStore extends Base { ... }
 * ```
 * @throws TypeError for an unknown capability name
 */
export function storeWith<C extends Capability>(...capabilities: C[]): StoreClass<C> {
  return madeStoreClass(capabilities, false) as unknown as StoreClass<C>;
}

/**
 * As `storeWith`, for a store whose atomic operations on an entry live together (in a class of
 * its own, or a module working on one entry's reference): it implements one hook,
 * `atomicEntry(collection, key)`, returning an `AtomicEntry`, in place of the hooks of
 * `putIfAbsent`, `versions` and `touch`. Every other capability keeps its hook.
 *
 * ```ts
 * const Base: AtomicEntryStoreClass<"putIfAbsent" | "touch"> = storeWithAtomicEntry("putIfAbsent", "touch");
 * export class MyStore extends Base {
 *   protected atomicEntry(collection: string, key: string): MyEntry { return new MyEntry(...); }
 * }
 * ```
 * @throws TypeError for an unknown capability name
 */
export function storeWithAtomicEntry<C extends Capability>(
  ...capabilities: C[]
): AtomicEntryStoreClass<C> {
  return madeStoreClass(capabilities, true) as unknown as AtomicEntryStoreClass<C>;
}

/** The one base class for a set of capabilities (in any order) and a kind of atomic hooks. */
function madeStoreClass(
  capabilities: readonly Capability[],
  atomicEntry: boolean,
): StoreClass<Capability> {
  const names = [...new Set<Capability>(capabilities)].sort();
  for (const name of names) {
    if (!Object.hasOwn(capabilityMethods, name)) {
      throw new TypeError(`Unknown capability "${String(name)}"`);
    }
  }
  const id = `${atomicEntry ? "atomicEntry:" : ""}${names.join(",")}`;
  let made = madeClasses.get(id);
  if (made === undefined) {
    made = makeStoreClass(names, atomicEntry);
    madeClasses.set(id, made);
  }
  return made;
}

function makeStoreClass(
  capabilities: readonly Capability[],
  atomicEntry: boolean,
): StoreClass<Capability> {
  const onEntry = (capability: Capability) => atomicEntry && entryCapabilities.has(capability);
  abstract class CapableStore extends BaseStore {
    constructor(options?: BaseStoreOptions) {
      super(options);
      const self = this as unknown as Record<string, unknown>;
      for (const capability of capabilities) {
        for (const hook of onEntry(capability) ? ["atomicEntry"] : hookNames[capability]) {
          if (typeof self[hook] !== "function") {
            throw new TypeError(
              `${new.target.name} offers "${capability}" but does not implement ${hook}()`,
            );
          }
        }
      }
    }
  }
  const copy = (source: object, name: string) => {
    const method = Object.getOwnPropertyDescriptor(source, name);
    if (method === undefined) return;
    Object.defineProperty(CapableStore.prototype, name, { ...method, enumerable: false });
  };
  for (const capability of capabilities) {
    for (const { name } of capabilityMethods[capability])
      copy(CapabilityMethodsImpl.prototype, name);
    if (onEntry(capability)) {
      for (const hook of hookNames[capability]) copy(atomicEntryHooks, hook);
    }
  }
  const kind = atomicEntry ? "StoreWithAtomicEntry" : "StoreWith";
  Object.defineProperty(CapableStore, "name", { value: `${kind}(${capabilities.join(", ")})` });
  return CapableStore as unknown as StoreClass<Capability>;
}

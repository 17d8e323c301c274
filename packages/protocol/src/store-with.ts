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

/** An entry with the store's own token for its current version. */
export interface StoredVersion {
  /** The entry (expired ones are filtered by the caller). */
  entry: ManagedEntry;
  /** A token that changes with every write of this entry. */
  version: string;
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

/**
 * The atomic operations on one entry, as a store's `atomicEntry(collection, key)` returns them
 * for `putIfAbsent`, `versions` and `touch` (only the methods of the capabilities it offers).
 * Each is one atomic step on the backend: never a read followed by an unconditional write.
 */
export interface AtomicEntry {
  /**
   * Writes the entry only when the key has no live entry (replacing an expired one); `true`
   * when written. For `putIfAbsent`.
   */
  insert(entry: ManagedEntry): Promise<boolean>;
  /** Reads the entry (live or expired: the caller filters) with its version token. For `versions`. */
  readVersioned(): Promise<StoredVersion | undefined>;
  /** Writes the entry only while the stored one is live and has `version`. For `versions`. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean>;
  /** Deletes the entry only while it is live and has `version`. For `versions`. */
  removeVersioned(version: string): Promise<boolean>;
  /**
   * Sets a live entry's expiry, keeping its value and `createdAt`; `false` when missing or
   * expired. For `touch`.
   */
  touch(expiresAt: number | undefined): Promise<boolean>;
}

/** The part of `AtomicEntry` each capability needs. */
interface AtomicEntryParts {
  putIfAbsent: Pick<AtomicEntry, "insert">;
  versions: Pick<AtomicEntry, "readVersioned" | "replaceVersioned" | "removeVersioned">;
  touch: Pick<AtomicEntry, "touch">;
}

/** A capability that a store offers through `atomicEntry`. */
type EntryCapability = keyof AtomicEntryParts;

/** What a store implements to offer `putIfAbsent()`, `versions` or `touch()`: the parts `E`. */
declare abstract class AtomicEntryHook<E> {
  /**
   * The atomic operations on the entry at `key` in one (validated) collection. Called once per
   * operation; setup, validation, expiry filtering of reads and error mapping are done by the
   * caller.
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
  increment: IncrementHook;
}

const hookNames: { readonly [C in Capability]: readonly string[] } = {
  keys: ["enumerateKeys"],
  collections: ["enumerateCollections"],
  destroyCollection: ["dropCollection"],
  destroy: ["dropAll"],
  cull: ["removeExpired"],
  close: ["release"],
  entries: [],
  putIfAbsent: ["atomicEntry"],
  versions: ["atomicEntry"],
  increment: ["addToCounter"],
  touch: ["atomicEntry"],
};

/**
 * The hooks a store with the capabilities `C` implements: one per capability, and one
 * `atomicEntry` for all of `putIfAbsent`, `versions` and `touch`.
 */
type Hooks<C extends Capability> = UnionToIntersection<
  CapabilityHooks[Exclude<C, EntryCapability>]
> &
  ([C & EntryCapability] extends [never]
    ? unknown
    : AtomicEntryHook<UnionToIntersection<AtomicEntryParts[C & EntryCapability]>>);

/**
 * The base class of a store with the capabilities `C`: `BaseStore`, the public methods of each
 * capability, and the abstract protected hooks for the store to implement.
 */
export type StoreClass<C extends Capability> = abstract new (
  options?: BaseStoreOptions,
) => BaseStore & CapabilityMethods<C> & Hooks<C>;

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
  declare protected atomicEntry: (collection: string, key: string) => AtomicEntry;
  declare protected addToCounter: IncrementHook["addToCounter"];

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
      this.atomicEntry(collection, key).insert(entry),
    );
  }

  async getVersioned(
    key: string,
    options?: CollectionOptions,
  ): Promise<VersionedValue | undefined> {
    const collection = this.resolveCollection(options, "getVersioned");
    validateKey(key, { operation: "getVersioned", collection });
    const found = await this.guardKey("getVersioned", collection, key, () =>
      this.atomicEntry(collection, key).readVersioned(),
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
      this.atomicEntry(collection, key).replaceVersioned(entry, token),
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
      this.atomicEntry(collection, key).removeVersioned(token),
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
      this.atomicEntry(collection, key).touch(expiresAt),
    );
  }
}

traceMethods(CapabilityMethodsImpl.prototype, capabilityTracedMethods);

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
 * `dropAll`, `removeExpired`, `release`, `addToCounter`), and `atomicEntry` for
 * `putIfAbsent`, `versions` and `touch`. The public methods, their validation, setup, `limit`
 * handling and error mapping come from here; the store's type has exactly those capabilities.
 *
 * ```ts
 * const Base: StoreClass<"keys" | "destroy"> = storeWith("keys", "destroy");
 * export class MyStore extends Base { ... }
 * ```
 * @throws TypeError for an unknown capability name
 */
export function storeWith<C extends Capability>(...capabilities: C[]): StoreClass<C> {
  const names = [...new Set<Capability>(capabilities)].sort();
  for (const name of names) {
    if (!Object.hasOwn(capabilityMethods, name)) {
      throw new TypeError(`Unknown capability "${String(name)}"`);
    }
  }
  const id = names.join(",");
  let made = madeClasses.get(id);
  if (made === undefined) {
    made = makeStoreClass(names);
    madeClasses.set(id, made);
  }
  return made as unknown as StoreClass<C>;
}

function makeStoreClass(capabilities: readonly Capability[]): StoreClass<Capability> {
  abstract class CapableStore extends BaseStore {
    constructor(options?: BaseStoreOptions) {
      super(options);
      const self = this as unknown as Record<string, unknown>;
      for (const capability of capabilities) {
        for (const hook of hookNames[capability]) {
          if (typeof self[hook] !== "function") {
            throw new TypeError(
              `${new.target.name} offers "${capability}" but does not implement ${hook}()`,
            );
          }
        }
      }
    }
  }
  const source = CapabilityMethodsImpl.prototype;
  for (const capability of capabilities) {
    for (const { name } of capabilityMethods[capability]) {
      const method = Object.getOwnPropertyDescriptor(source, name);
      if (method !== undefined) Object.defineProperty(CapableStore.prototype, name, method);
    }
  }
  Object.defineProperty(CapableStore, "name", { value: `StoreWith(${capabilities.join(", ")})` });
  return CapableStore as unknown as StoreClass<Capability>;
}

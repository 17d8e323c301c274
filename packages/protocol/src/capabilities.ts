import {
  ATOMIC_CAPABILITIES,
  type ConditionalVersions,
  type Incrementable,
  type PutIfAbsent,
  type Touchable,
} from "./atomic.ts";
import type { Operation } from "./errors.ts";
import type { CollectionOptions, KeyValue } from "./key-value.ts";
import type { ManagedEntry } from "./managed-entry.ts";

/** Options for listing keys. */
export interface KeysOptions extends CollectionOptions {
  /** The most keys to return. @default 10 000 */
  limit?: number | undefined;
}

/** Options for listing collections. */
export interface CollectionsOptions {
  /** The most collection names to return. @default 10 000 */
  limit?: number | undefined;
}

/** The default `limit` of `keys()` and `collections()`. */
export const DEFAULT_LIST_LIMIT = 10_000;

/** A store that can enumerate the keys of a collection. Order is unspecified. */
export interface KeyEnumeration {
  /**
   * Lists up to `limit` keys of a collection.
   * @throws InvalidKeyError, StoreError
   */
  keys(options?: KeysOptions): Promise<string[]>;
  /**
   * Yields every key of a collection, paging through the backend in bounded memory. A key written
   * or deleted during the iteration may or may not appear, and cursors that can repeat (Redis
   * `SCAN`) may yield a key twice; no key present throughout is ever missed.
   * @throws InvalidKeyError, StoreError
   */
  iterateKeys(options?: CollectionOptions): AsyncIterable<string>;
}

/** A store that can enumerate its collections (those holding at least one entry). */
export interface CollectionEnumeration {
  /**
   * Lists up to `limit` collection names.
   * @throws StoreError
   */
  collections(options?: CollectionsOptions): Promise<string[]>;
  /**
   * Yields every collection name in bounded memory.
   * @throws StoreError
   */
  iterateCollections(): AsyncIterable<string>;
}

/** A store that can remove a whole collection at once. */
export interface CollectionDestruction {
  /**
   * Removes every entry of one collection, leaving other collections untouched.
   * @returns `true` when the collection held anything.
   * @throws InvalidKeyError, StoreError
   */
  destroyCollection(collection: string): Promise<boolean>;
}

/** A store that can remove everything it wrote. */
export interface StoreDestruction {
  /**
   * Removes every entry of every collection this store wrote (never other data in a shared backend).
   * @returns `true` when anything was removed.
   * @throws StoreError
   */
  destroy(): Promise<boolean>;
}

/** A store whose backend keeps expired entries until asked to remove them. */
export interface Cullable {
  /**
   * Removes expired entries from the backend. Reads never return them either way.
   * @throws StoreError
   */
  cull(): Promise<void>;
}

/**
 * A store that reads and writes managed entries whole, with their `createdAt` and `expiresAt`
 * (epoch ms): what copying between stores needs to keep both timestamps.
 */
export interface EntryAccess {
  /**
   * Reads the live entries of `keys`, in order (`undefined` where missing or expired).
   * @throws InvalidKeyError, StoreError
   */
  readEntries(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(ManagedEntry | undefined)[]>;
  /**
   * Writes entries with the timestamps they carry (a later one of a repeated key wins); an entry
   * already expired is not written.
   * @throws InvalidKeyError, SerializationError (a value or timestamp that cannot be stored), StoreError
   */
  writeEntries(
    entries: readonly (readonly [key: string, entry: ManagedEntry])[],
    options?: CollectionOptions,
  ): Promise<void>;
}

/** A store that holds resources (connections, file handles) to release. */
export interface Closable {
  /**
   * Releases what the store owns. A client passed in by the user is left open.
   * Calling it twice is harmless.
   * @throws StoreError
   */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Every optional capability, by the name a store declares it with. */
export interface Capabilities {
  /** `keys()` and `iterateKeys()`. */
  keys: KeyEnumeration;
  /** `collections()` and `iterateCollections()`. */
  collections: CollectionEnumeration;
  /** `destroyCollection()`. */
  destroyCollection: CollectionDestruction;
  /** `destroy()`. */
  destroy: StoreDestruction;
  /** `cull()`. */
  cull: Cullable;
  /** `close()` and `Symbol.asyncDispose`. */
  close: Closable;
  /** `readEntries()` and `writeEntries()`. */
  entries: EntryAccess;
  /** `putIfAbsent()`. */
  putIfAbsent: PutIfAbsent;
  /** `getVersioned()`, `putIfVersion()` and `deleteIfVersion()`. */
  versions: ConditionalVersions;
  /** `increment()`. */
  increment: Incrementable;
  /** `touch()`. */
  touch: Touchable;
}

/** The name of an optional capability. */
export type Capability = keyof Capabilities;

/** The methods of the capabilities `C`, as one type (`never` gives no methods). */
export type CapabilityMethods<C extends Capability> = UnionToIntersection<Capabilities[C]>;

/** The intersection of the members of a union. */
export type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;

/** How a capability method is called, so a wrapper can forward it without knowing it. */
export interface CapabilityMethod {
  /** The method's name. */
  readonly name: string;
  /** The operation a failure of it reports. */
  readonly operation: Operation;
  /** True when it returns an async iterable rather than a promise. */
  readonly iterates?: boolean;
  /** The index of its options argument (which may hold `collection`), when it has one. */
  readonly optionsAt?: number;
  /** The index of an argument that is itself a collection name, when it has one. */
  readonly collectionAt?: number;
  /** The index of its key argument, when it works on one key. */
  readonly keyAt?: number;
  /** The index of its list of keys (or of `[key, …]` pairs), when it works on many. */
  readonly keysAt?: number;
  /** The index of a value argument it writes, when it has one. */
  readonly valueAt?: number;
  /** True when it returns a `VersionedValue` (or `undefined`). */
  readonly readsValue?: boolean;
  /**
   * False when running it twice may do more than running it once (an `increment`, a
   * `putIfAbsent` that reports `false` after its first attempt succeeded): not to be retried.
   */
  readonly idempotent?: boolean;
}

/** Each capability's public methods. Wrappers forward capabilities from this table. */
export const capabilityMethods: { readonly [C in Capability]: readonly CapabilityMethod[] } = {
  keys: [
    { name: "keys", operation: "keys", optionsAt: 0 },
    { name: "iterateKeys", operation: "keys", optionsAt: 0, iterates: true },
  ],
  collections: [
    { name: "collections", operation: "collections" },
    { name: "iterateCollections", operation: "collections", iterates: true },
  ],
  destroyCollection: [
    { name: "destroyCollection", operation: "destroyCollection", collectionAt: 0 },
  ],
  destroy: [{ name: "destroy", operation: "destroy" }],
  cull: [{ name: "cull", operation: "cull" }],
  close: [{ name: "close", operation: "close" }],
  entries: [
    { name: "readEntries", operation: "readEntries", keysAt: 0, optionsAt: 1 },
    { name: "writeEntries", operation: "writeEntries", keysAt: 0, optionsAt: 1 },
  ],
  putIfAbsent: [
    {
      name: "putIfAbsent",
      operation: "putIfAbsent",
      keyAt: 0,
      valueAt: 1,
      optionsAt: 2,
      idempotent: false,
    },
  ],
  versions: [
    { name: "getVersioned", operation: "getVersioned", keyAt: 0, optionsAt: 1, readsValue: true },
    {
      name: "putIfVersion",
      operation: "putIfVersion",
      keyAt: 0,
      valueAt: 1,
      optionsAt: 3,
      idempotent: false,
    },
    {
      name: "deleteIfVersion",
      operation: "deleteIfVersion",
      keyAt: 0,
      optionsAt: 2,
      idempotent: false,
    },
  ],
  increment: [
    { name: "increment", operation: "increment", keyAt: 0, optionsAt: 1, idempotent: false },
  ],
  touch: [{ name: "touch", operation: "touch", keyAt: 0, optionsAt: 1 }],
};

/**
 * Listing keys and collections, and dropping a collection, every entry or the expired ones: what
 * most stores that can enumerate their entries offer together, as in
 * `storeWith(...ENUMERATION_CAPABILITIES, "close", ...ATOMIC_CAPABILITIES)`.
 */
export const ENUMERATION_CAPABILITIES: readonly EnumerationCapability[] = [
  "keys",
  "collections",
  "destroyCollection",
  "destroy",
  "cull",
];

/** The name of a capability in `ENUMERATION_CAPABILITIES`. */
export type EnumerationCapability =
  | "keys"
  | "collections"
  | "destroyCollection"
  | "destroy"
  | "cull";

/** The capabilities that write conditionally or atomically (`putIfAbsent`, `versions`, `increment`, `touch`). */
export const atomicCapabilities: ReadonlySet<Capability> = new Set<Capability>(ATOMIC_CAPABILITIES);

const nonIdempotent: ReadonlySet<string> = new Set(
  Object.values(capabilityMethods)
    .flat()
    .filter((method) => method.idempotent === false)
    .map((method) => method.operation),
);

/**
 * False for an operation that may do more when run twice (`increment`, the conditional
 * writes): a retry could count twice, or report a conflict with its own first attempt.
 */
export function isIdempotent(operation: Operation): boolean {
  return !nonIdempotent.has(operation);
}

/** Every capability name. */
export const capabilityNames: readonly Capability[] = Object.keys(
  capabilityMethods,
) as Capability[];

/** True when the store has every method of the capability. */
export function supports<S extends KeyValue, C extends Capability>(
  store: S,
  capability: C,
): store is S & Capabilities[C] {
  const record = store as unknown as Record<string, unknown>;
  return capabilityMethods[capability].every(({ name }) => typeof record[name] === "function");
}

/** A type guard for one capability: true when the store has every method of it. */
export type CapabilityGuard<C extends Capability> = <S extends KeyValue>(
  store: S,
) => store is S & Capabilities[C];

function guardOf<C extends Capability>(capability: C): CapabilityGuard<C> {
  return <S extends KeyValue>(store: S): store is S & Capabilities[C] =>
    supports(store, capability);
}

/** True when the store can enumerate keys. */
export const supportsKeys: CapabilityGuard<"keys"> = guardOf("keys");

/** True when the store can enumerate collections. */
export const supportsCollections: CapabilityGuard<"collections"> = guardOf("collections");

/** True when the store can destroy one collection. */
export const supportsDestroyCollection: CapabilityGuard<"destroyCollection"> =
  guardOf("destroyCollection");

/** True when the store can destroy everything it wrote. */
export const supportsDestroy: CapabilityGuard<"destroy"> = guardOf("destroy");

/** True when the store can cull expired entries. */
export const supportsCull: CapabilityGuard<"cull"> = guardOf("cull");

/** True when the store reads and writes managed entries with their timestamps. */
export const supportsEntries: CapabilityGuard<"entries"> = guardOf("entries");

/** True when the store writes only where no live entry exists (`putIfAbsent`). */
export const supportsPutIfAbsent: CapabilityGuard<"putIfAbsent"> = guardOf("putIfAbsent");

/** True when the store has versioned reads and conditional writes. */
export const supportsVersions: CapabilityGuard<"versions"> = guardOf("versions");

/** True when the store increments counters atomically. */
export const supportsIncrement: CapabilityGuard<"increment"> = guardOf("increment");

/** True when the store sets a new TTL without rewriting the value. */
export const supportsTouch: CapabilityGuard<"touch"> = guardOf("touch");

/** True when the store has resources to close. */
export const supportsClose: CapabilityGuard<"close"> = guardOf("close");

/**
 * Collects up to `limit` distinct items of an async iterable, then stops it. A `limit` of 0 or
 * less gives an empty list.
 */
export async function takeFirst<T>(
  source: AsyncIterable<T>,
  limit: number = DEFAULT_LIST_LIMIT,
): Promise<T[]> {
  const items = new Set<T>();
  if (limit <= 0) return [];
  for await (const item of source) {
    items.add(item);
    if (items.size >= limit) break;
  }
  return [...items];
}

/** True when `value` looks like a store: it has `get` and `put` methods. */
export function isKeyValue(value: unknown): value is KeyValue {
  const record = value as Record<string, unknown> | null | undefined;
  return typeof record?.get === "function" && typeof record.put === "function";
}

/**
 * Whether a store made of several stores can offer the capability: `cull` and `close` when any
 * of them has it (they apply to those that do), every other capability when all of them have it.
 */
export function offeredByAll(stores: readonly KeyValue[], capability: Capability): boolean {
  const has = (store: KeyValue): boolean => supports(store, capability);
  return capability === "cull" || capability === "close" ? stores.some(has) : stores.every(has);
}

/**
 * Every optional capability method as an optional member, the base of classes that decide when
 * they are made which capabilities to offer (wrappers, stores made of several stores): a member
 * is present exactly when `supports(this, capability)` is true.
 */
export abstract class OptionalCapabilities {
  /** Lists a collection's keys; present with the `keys` capability. */
  declare keys?: KeyEnumeration["keys"];
  /** Streams a collection's keys; present with the `keys` capability. */
  declare iterateKeys?: KeyEnumeration["iterateKeys"];
  /** Lists the collections; present with the `collections` capability. */
  declare collections?: CollectionEnumeration["collections"];
  /** Streams the collections; present with the `collections` capability. */
  declare iterateCollections?: CollectionEnumeration["iterateCollections"];
  /** Removes a collection; present with the `destroyCollection` capability. */
  declare destroyCollection?: CollectionDestruction["destroyCollection"];
  /** Removes every entry; present with the `destroy` capability. */
  declare destroy?: StoreDestruction["destroy"];
  /** Removes expired entries; present with the `cull` capability. */
  declare cull?: Cullable["cull"];
  /** Releases what the store owns; present with the `close` capability. */
  declare close?: Closable["close"];
  /** Reads whole managed entries; present with the `entries` capability. */
  declare readEntries?: EntryAccess["readEntries"];
  /** Writes whole managed entries; present with the `entries` capability. */
  declare writeEntries?: EntryAccess["writeEntries"];
  /** Writes where nothing lives; present with the `putIfAbsent` capability. */
  declare putIfAbsent?: PutIfAbsent["putIfAbsent"];
  /** Reads with a version; present with the `versions` capability. */
  declare getVersioned?: ConditionalVersions["getVersioned"];
  /** Writes if the version holds; present with the `versions` capability. */
  declare putIfVersion?: ConditionalVersions["putIfVersion"];
  /** Deletes if the version holds; present with the `versions` capability. */
  declare deleteIfVersion?: ConditionalVersions["deleteIfVersion"];
  /** Adds to a counter; present with the `increment` capability. */
  declare increment?: Incrementable["increment"];
  /** Sets a new TTL; present with the `touch` capability. */
  declare touch?: Touchable["touch"];
}

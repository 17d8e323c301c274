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
import type { CollectionOptions } from "./key-value.ts";
import { isExpired, type ManagedEntry } from "./managed-entry.ts";
import { validateEntry, validateKey } from "./validation.ts";

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

interface CapabilityHooks {
  keys: KeysHook;
  collections: CollectionsHook;
  destroyCollection: DestroyCollectionHook;
  destroy: DestroyHook;
  cull: CullHook;
  close: CloseHook;
  /** Entry access needs no hook of its own: it runs on `getEntries` and `putEntries`. */
  entries: object;
}

const hookNames: { readonly [C in Capability]: string | undefined } = {
  keys: "enumerateKeys",
  collections: "enumerateCollections",
  destroyCollection: "dropCollection",
  destroy: "dropAll",
  cull: "removeExpired",
  close: "release",
  entries: undefined,
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

  readEntries(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(ManagedEntry | undefined)[]> {
    return this.readLiveEntries(keys, options, "readEntries");
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
}

const madeClasses = new Map<string, StoreClass<Capability>>();

/**
 * The base class for a store offering the capabilities named: extend it and implement one
 * protected hook per capability (`enumerateKeys`, `enumerateCollections`, `dropCollection`,
 * `dropAll`, `removeExpired`, `release`). The public methods, their validation, setup, `limit`
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
        const hook = hookNames[capability];
        if (hook !== undefined && typeof self[hook] !== "function") {
          throw new TypeError(
            `${new.target.name} offers "${capability}" but does not implement ${hook}()`,
          );
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

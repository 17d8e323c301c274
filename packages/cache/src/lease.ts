import { type KeyValue, type PutIfAbsent, supportsVersions } from "@kv/protocol";

/** The collection leases are kept in unless `leaseCollection` names another. */
export const DEFAULT_LEASE_COLLECTION = "kv_cache_leases";

/**
 * Leases on the backend, one per cached (collection, key): `putIfAbsent` of `{ holder }` with a
 * TTL takes one; the holder releases it with `deleteIfVersion` after reading back its own holder
 * token (or, on a store without versions, `get` then `delete`), so a lease that expired and was
 * taken by another process is not deleted by its slow first holder.
 */
export class Leases {
  readonly #store: KeyValue & PutIfAbsent;
  readonly #collection: string;

  constructor(store: KeyValue & PutIfAbsent, collection: string) {
    this.#store = store;
    this.#collection = collection;
  }

  /** Takes the lease of the entry; resolves with the holder token, or `undefined` when it is held. */
  async acquire(collection: string, key: string, ttl: number): Promise<string | undefined> {
    const holder = crypto.randomUUID();
    const taken = await this.#store.putIfAbsent(
      leaseKey(collection, key),
      { holder },
      { collection: this.#collection, ttl },
    );
    return taken ? holder : undefined;
  }

  /** Gives the lease back if `holder` still holds it. Failures are ignored: the lease expires by its TTL. */
  async release(collection: string, key: string, holder: string): Promise<void> {
    const store = this.#store;
    const at = leaseKey(collection, key);
    const options = { collection: this.#collection };
    try {
      if (supportsVersions(store)) {
        const current = await store.getVersioned(at, options);
        if (current?.value.holder === holder)
          await store.deleteIfVersion(at, current.version, options);
      } else {
        const current = await store.get(at, options);
        if (current?.holder === holder) await store.delete(at, options);
      }
    } catch {
      // The lease expires by its TTL.
    }
  }
}

/** The lease's key: the entry's collection, length-prefixed so that no two entries share one. */
function leaseKey(collection: string, key: string): string {
  return `${collection.length}:${collection}:${key}`;
}

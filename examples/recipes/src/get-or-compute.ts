import { isTransientError, type KeyValue, type Ttl, type TypedKeyValue, typed } from "@kv/protocol";

/** Where computed values go and how long they stay. */
export interface GetOrComputeOptions {
  /** How long a computed value is kept: seconds, or a duration such as `"5m"`. */
  ttl: Ttl;
  /** The collection holding the values. @default the store's default collection */
  collection?: string;
}

/**
 * Reads a value from the store; on a miss, computes it, stores it with a TTL and returns it.
 * Concurrent misses of one key in this process share one computation. A store that is down
 * (a transient error) counts as a miss: the value is computed and returned, just not kept.
 */
export class GetOrCompute<V extends object> {
  readonly #store: TypedKeyValue<V>;
  readonly #options: GetOrComputeOptions;
  /** The computations running in this process, by key. */
  readonly #running = new Map<string, Promise<V>>();

  constructor(store: KeyValue, options: GetOrComputeOptions) {
    this.#store = typed<V>(store);
    this.#options = options;
  }

  /** The stored value of `key`, or the result of `compute()`, which is then stored. */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const running = this.#running.get(key);
    if (running !== undefined) return running; // another caller is already on it
    const result = this.#load(key, compute).finally(() => this.#running.delete(key));
    this.#running.set(key, result);
    return result;
  }

  async #load(key: string, compute: () => Promise<V>): Promise<V> {
    const { collection, ttl } = this.#options;
    const where = collection === undefined ? {} : { collection };
    const cached = await this.#store.get(key, where).catch(missWhenDown);
    if (cached !== undefined) return cached;
    const value = await compute(); // a failure is thrown to every waiting caller, never stored
    await this.#store.put(key, value, { ...where, ttl }).catch(missWhenDown);
    return value;
  }
}

/** A store that is down reads as a miss and skips the write; any other error is a bug: throw it. */
function missWhenDown(error: unknown): undefined {
  if (isTransientError(error)) return undefined;
  throw error;
}

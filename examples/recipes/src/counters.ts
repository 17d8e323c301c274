import { type KeyValue, type Ttl, type TypedKeyValue, typed } from "@kv/protocol";

/** What a counter's entry holds: values are JSON objects, so the number is wrapped. */
export interface Count {
  count: number;
}

/**
 * Adds to a counter with a `get` and then a `put`. Two callers that read before either writes
 * both write their own sum, and one addition is lost. Shown for what not to do.
 */
export async function racyAdd(store: KeyValue, key: string, amount: number): Promise<number> {
  const counts = typed<Count>(store);
  const count = ((await counts.get(key))?.count ?? 0) + amount;
  await counts.put(key, { count });
  return count;
}

/** Options of `LocalCounters.add`. */
export interface AddOptions {
  /** Refuse the addition when the count would pass this. @default no maximum */
  max?: number;
  /** The counter's expiry, rewritten by every addition: seconds or a duration such as `"1h"`. */
  ttl?: Ttl;
}

/**
 * Counters that lose no update made by this process: additions to one key run one after the
 * other. Exact only while this process is the only writer of these keys.
 */
export class LocalCounters {
  readonly #counts: TypedKeyValue<Count>;
  readonly #collection: string;
  /** The last addition queued for each key; the next one waits for it. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: KeyValue, collection = "counters") {
    this.#counts = typed<Count>(store);
    this.#collection = collection;
  }

  /** Adds `amount` to `key`; the new count, or `undefined` when it would pass `max`. */
  add(key: string, amount: number, options: AddOptions = {}): Promise<number | undefined> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.#add(key, amount, options));
    const queued = result.catch(() => undefined); // a failed addition does not stop the next one
    this.#queues.set(key, queued);
    void queued.then(() => {
      if (this.#queues.get(key) === queued) this.#queues.delete(key);
    });
    return result;
  }

  async #add(key: string, amount: number, { max, ttl }: AddOptions): Promise<number | undefined> {
    const collection = this.#collection;
    const count = ((await this.#counts.get(key, { collection }))?.count ?? 0) + amount;
    if (max !== undefined && count > max) return undefined;
    await this.#counts.put(key, { count }, { collection, ttl });
    return count;
  }
}

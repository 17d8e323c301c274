interface Waiter<R> {
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the single reads a store receives in one turn of the event loop (say 100 concurrent
 * `get`s from `Promise.all`) into one bulk read, as a store's `getEntry` hook:
 *
 * ```ts
 * protected getEntry(collection: string, key: string) { return this.reads.read([collection, key]); }
 * ```
 *
 * A lone read goes through `readOne`. Call `flush()` before any write, so that a read issued
 * before the write never sees it.
 */
export class ReadBatcher<K, R> {
  readonly #readOne: (key: K) => R | Promise<R>;
  readonly #readMany: (keys: readonly K[]) => readonly R[] | Promise<readonly R[]>;
  #keys: K[] = [];
  #waiters: Waiter<R>[] = [];
  readonly #flush = (): void => this.flush();

  /** `readMany` returns one result per key, in order. */
  constructor(
    readOne: (key: K) => R | Promise<R>,
    readMany: (keys: readonly K[]) => readonly R[] | Promise<readonly R[]>,
  ) {
    this.#readOne = readOne;
    this.#readMany = readMany;
  }

  /** Queues one read; it runs with the others queued in this turn. */
  read(key: K): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#keys.length === 0) queueMicrotask(this.#flush);
      this.#keys.push(key);
      this.#waiters.push({ resolve, reject });
    });
  }

  /** Runs the queued reads now. */
  flush(): void {
    const keys = this.#keys;
    if (keys.length === 0) return;
    const waiters = this.#waiters;
    this.#keys = [];
    this.#waiters = [];
    if (keys.length === 1) {
      const [waiter] = waiters as [Waiter<R>];
      settle(() => this.#readOne(keys[0] as K)).then(waiter.resolve, waiter.reject);
      return;
    }
    settle(() => this.#readMany(keys)).then(
      (results) => {
        for (let index = 0; index < waiters.length; index++) {
          (waiters[index] as Waiter<R>).resolve(results[index] as R);
        }
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}

/** Runs `read` and gives its result as a promise, whether it returns, resolves or throws. */
function settle<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error);
  }
}

import type { MaybePromise } from "./maybe-promise.ts";

type Resolve<R> = (result: R) => void;
type Reject = (error: unknown) => void;

/**
 * Coalesces the single reads a store receives in one turn of the event loop (say 100 concurrent
 * `get`s from `Promise.all`) into one bulk read, as a store's `getEntry` hook:
 *
 * ```ts
 * private readonly reads = this.batchReads(readOne, readMany);
 * protected getEntry(collection: string, key: string) { return this.reads.read([collection, key]); }
 * ```
 *
 * A lone read goes through `readOne`. Call `flush()` before any write, so that batching never
 * holds a read back behind a later write; a store makes its batcher with `BaseStore`'s
 * `batchReads`, which does that for every call. A read costs one promise and no other allocation
 * of its own.
 */
export class ReadBatcher<K, R> {
  readonly #readOne: (key: K) => MaybePromise<R>;
  readonly #readMany: (keys: readonly K[]) => MaybePromise<readonly R[]>;
  #keys: K[] = [];
  #resolvers: Resolve<R>[] = [];
  #rejecters: Reject[] = [];
  /** The key `#queue` takes: set just before the promise whose executor it is. */
  #next: K | undefined;
  readonly #flush = (): void => this.flush();
  readonly #queue = (resolve: Resolve<R>, reject: Reject): void => {
    if (this.#keys.length === 0) queueMicrotask(this.#flush);
    this.#keys.push(this.#next as K);
    this.#resolvers.push(resolve);
    this.#rejecters.push(reject);
    this.#next = undefined;
  };

  /** `readMany` returns one result per key, in order. */
  constructor(
    readOne: (key: K) => MaybePromise<R>,
    readMany: (keys: readonly K[]) => MaybePromise<readonly R[]>,
  ) {
    this.#readOne = readOne;
    this.#readMany = readMany;
  }

  /** Queues one read; it runs with the others queued in this turn. */
  read(key: K): Promise<R> {
    this.#next = key;
    return new Promise(this.#queue);
  }

  /** Runs the queued reads now. */
  flush(): void {
    const keys = this.#keys;
    if (keys.length === 0) return;
    if (keys.length === 1) {
      const key = keys.pop() as K;
      const resolve = this.#resolvers.pop() as Resolve<R>;
      settle(this.#readOne, key).then(resolve, this.#rejecters.pop());
      return;
    }
    const resolvers = this.#resolvers;
    const rejecters = this.#rejecters;
    this.#keys = [];
    this.#resolvers = [];
    this.#rejecters = [];
    settle(this.#readMany, keys).then(
      (results) => {
        for (let index = 0; index < resolvers.length; index++) {
          (resolvers[index] as Resolve<R>)(results[index] as R);
        }
      },
      (error: unknown) => {
        for (const reject of rejecters) reject(error);
      },
    );
  }
}

/** Runs `read(key)` and gives its result as a promise, whether it returns, resolves or throws. */
function settle<A, T>(read: (argument: A) => MaybePromise<T>, argument: A): Promise<T> {
  try {
    return Promise.resolve(read(argument));
  } catch (error) {
    return Promise.reject(error);
  }
}

import {
  BaseWrapper,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  type KeyValue,
  type Operation,
  StoreClosedError,
  supports,
} from "@kv/protocol";
import { WriteOnlyError } from "./errors.ts";

/** Every operation this version knows: the protocol's, and whole-entry access by its own name. */
type Known = Operation | "readEntries" | "writeEntries";

/**
 * Whether each operation passes through (writes, deletes, destroy, cull, close) or is refused
 * (reads and listings). Typed over the protocol's `Operation`, so one it adds does not compile
 * until it is classified here.
 */
const passes: { readonly [O in Known]: boolean } = {
  get: false,
  getMany: false,
  ttl: false,
  ttlMany: false,
  keys: false,
  collections: false,
  readEntries: false,
  getVersioned: false,
  increment: false,
  put: true,
  putMany: true,
  writeEntries: true,
  putIfAbsent: true,
  putIfVersion: true,
  deleteIfVersion: true,
  touch: true,
  delete: true,
  deleteMany: true,
  destroyCollection: true,
  destroy: true,
  cull: true,
  close: true,
  setup: true,
};

/**
 * Makes a store write-only: `get`, `getMany`, `ttl`, `ttlMany`, `readEntries`, `getVersioned`,
 * `increment` (its result is a read) and the key and collection listings (`keys`, `iterateKeys`,
 * `collections`, `iterateCollections`) fail with `WriteOnlyError` without reaching the store;
 * `put`, `putMany`, `putIfAbsent`, `putIfVersion`, `deleteIfVersion`, `touch`, `delete`,
 * `deleteMany`, `destroyCollection`, `destroy`, `cull`, `writeEntries` and `close` pass through. After `close()`
 * refused calls fail with `StoreClosedError`.
 */
export class WriteOnlyWrapper extends BaseWrapper {
  #closed = false;

  constructor(store: KeyValue) {
    super(store);
    // Streams bypass `invoke`: replace each one whose operation is refused.
    const self = this as unknown as Record<string, unknown>;
    for (const capability of capabilityNames) {
      if (!supports(store, capability)) continue;
      for (const { name, operation, iterates, optionsAt } of capabilityMethods[capability]) {
        if (!iterates || passes[operation] === true) continue;
        self[name] = (...args: unknown[]): AsyncIterable<string> => {
          const given = optionsAt === undefined ? undefined : args[optionsAt];
          const refusal = this.#refusal(operation, given as CollectionOptions | undefined);
          return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refusal) }) };
        };
      }
    }
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    if (passes[operation] !== true) return Promise.reject(this.#refusal(operation, options));
    if (operation === "close") this.#closed = true;
    return call(this.store);
  }

  #refusal(operation: Operation, options: CollectionOptions | undefined): Error {
    const context = { operation, collection: options?.collection };
    return this.#closed ? new StoreClosedError(context) : new WriteOnlyError(context);
  }
}

import {
  BaseWrapper,
  type CollectionOptions,
  type KeyValue,
  type Operation,
  StoreClosedError,
} from "@kv/protocol";
import { ReadOnlyError } from "./errors.ts";

/** Options of `ReadOnlyWrapper`. */
export interface ReadOnlyWrapperOptions {
  /**
   * What a write does: `"throw"` fails it with `ReadOnlyError`; `"drop"` makes it succeed without
   * reaching the store (`delete`, `destroyCollection` and `destroy` then return `false`,
   * `deleteMany` 0). @default "throw"
   */
  onWrite?: "throw" | "drop" | undefined;
}

const PASS = "pass";
/** A write with no result that could stand for "dropped" (`increment`): always refused. */
const REFUSE = "refuse";

/** Every operation this version knows: the protocol's, and whole-entry access by its own name. */
type Known = Operation | "readEntries" | "writeEntries";

/**
 * Every operation: passed through, or a write with what it returns when dropped. Typed over
 * the protocol's `Operation`, so one it adds does not compile until it is classified here.
 */
const operations: {
  readonly [O in Known]:
    | typeof PASS
    | typeof REFUSE
    | { readonly dropped: boolean | number | undefined };
} = {
  get: PASS,
  getMany: PASS,
  ttl: PASS,
  ttlMany: PASS,
  keys: PASS,
  collections: PASS,
  readEntries: PASS,
  getVersioned: PASS,
  close: PASS,
  setup: PASS,
  put: { dropped: undefined },
  putMany: { dropped: undefined },
  writeEntries: { dropped: undefined },
  delete: { dropped: false },
  deleteMany: { dropped: 0 },
  destroyCollection: { dropped: false },
  destroy: { dropped: false },
  cull: { dropped: undefined },
  putIfAbsent: { dropped: false },
  putIfVersion: { dropped: false },
  deleteIfVersion: { dropped: false },
  touch: { dropped: false },
  increment: REFUSE,
};

/**
 * Makes a store read-only: `get`, `getMany`, `ttl`, `ttlMany`, key and collection listings,
 * `readEntries`, `getVersioned` and `close` pass through; `put`, `putMany`, `delete`,
 * `deleteMany`, `destroyCollection`, `destroy`, `cull`, `writeEntries`, `putIfAbsent`,
 * `putIfVersion`, `deleteIfVersion`, `touch` and `increment` never reach the store. They fail
 * with `ReadOnlyError`, or with `onWrite: "drop"` succeed without doing anything (the
 * conditional writes and `touch` then return `false`; `increment`, which has no such result,
 * still fails). After `close()` they
 * fail with `StoreClosedError`.
 */
export class ReadOnlyWrapper extends BaseWrapper {
  /** What a write does: `"throw"` or `"drop"`. */
  readonly onWrite: "throw" | "drop";
  #closed = false;

  /** @throws RangeError when `onWrite` is neither `"throw"` nor `"drop"` */
  constructor(store: KeyValue, options: ReadOnlyWrapperOptions = {}) {
    super(store);
    const { onWrite = "throw" } = options ?? {};
    if (onWrite !== "throw" && onWrite !== "drop") {
      throw new RangeError(`onWrite must be "throw" or "drop", got ${String(onWrite)}`);
    }
    this.onWrite = onWrite;
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    const rule = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (rule === PASS) {
      if (operation === "close") this.#closed = true;
      return call(this.store);
    }
    return new Promise((resolve) => {
      const context = { operation, collection: options?.collection };
      if (this.#closed) throw new StoreClosedError(context);
      // An operation unknown to this version has no known result to fake: always refused.
      if (rule === undefined || rule === REFUSE || this.onWrite === "throw") {
        throw new ReadOnlyError(context);
      }
      resolve(rule.dropped as T);
    });
  }
}

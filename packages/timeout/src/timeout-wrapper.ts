import {
  BaseWrapper,
  type CapabilityMethod,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  type KeyValue,
  type Operation,
  supports,
} from "@kv/protocol";
import { TimeoutError } from "./errors.ts";

/** Options of `TimeoutWrapper`. */
export interface TimeoutWrapperOptions {
  /** The deadline of every call, in milliseconds; `Infinity` sets none. @default 5000 */
  timeoutMs?: number | undefined;
  /**
   * Deadlines of single operations, in milliseconds, in place of `timeoutMs`: for example
   * `{ getMany: 500, destroy: Infinity }`. Streams take the deadline of `keys` (`iterateKeys`)
   * or `collections` (`iterateCollections`) for each item.
   */
  operationTimeoutMs?: { readonly [O in Operation]?: number | undefined } | undefined;
}

const operations: ReadonlySet<string> = new Set<string>([
  ...["get", "getMany", "ttl", "ttlMany", "put", "putMany", "delete", "deleteMany"],
  ...capabilityNames.flatMap((name) => capabilityMethods[name].map((m) => m.operation)),
]);

/**
 * Fails every call that takes longer than its deadline with `TimeoutError`, a transient error
 * that retry and fallback act on. The caller stops waiting; the call itself is not cancelled
 * (the protocol's calls take no `AbortSignal`), so a timed-out write may still be applied. Its
 * late result or error is discarded. Streams get the deadline for each item.
 */
export class TimeoutWrapper extends BaseWrapper {
  private readonly deadlines: ReadonlyMap<string, number>;
  private readonly timeoutMs: number;

  /**
   * @throws RangeError when a deadline is not a number above 0 and at most 2^31 - 1, nor
   * Infinity; TypeError when `operationTimeoutMs` names an operation that does not exist
   */
  constructor(store: KeyValue, options: TimeoutWrapperOptions = {}) {
    super(store);
    this.timeoutMs = deadline(options.timeoutMs ?? 5000, "timeoutMs");
    const perOperation = Object.entries(options.operationTimeoutMs ?? {});
    for (const [operation] of perOperation) {
      if (!operations.has(operation)) {
        throw new TypeError(`operationTimeoutMs names an unknown operation: ${operation}`);
      }
    }
    this.deadlines = new Map(
      perOperation.flatMap(([operation, ms]) =>
        ms === undefined ? [] : [[operation, deadline(ms, `operationTimeoutMs.${operation}`)]],
      ),
    );
    const self = this as unknown as Record<string, unknown>;
    for (const capability of capabilityNames) {
      if (!supports(store, capability)) continue;
      for (const method of capabilityMethods[capability]) {
        if (method.iterates) self[method.name] = this.stream(method);
      }
    }
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    return this.race(operation, options?.collection, () => call(this.store));
  }

  /** Settles with the call, or with `TimeoutError` once the operation's deadline has passed. */
  private race<T>(
    operation: Operation,
    collection: string | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    const timeoutMs = this.deadlines.get(operation) ?? this.timeoutMs;
    if (timeoutMs === Number.POSITIVE_INFINITY) return call();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError({ operation, collection, timeoutMs })),
        timeoutMs,
      );
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (error) {
        clearTimeout(timer);
        reject(error);
        return;
      }
      // A late result or error lands on a settled promise and is dropped, never left unhandled.
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** A stream method whose every item must arrive within the deadline. */
  private stream({
    name,
    operation,
    optionsAt,
  }: CapabilityMethod): (...args: unknown[]) => unknown {
    const inner = this.store as unknown as Record<string, (...args: unknown[]) => unknown>;
    return (...args: unknown[]) => {
      const options = (optionsAt === undefined ? undefined : args[optionsAt]) as
        | CollectionOptions
        | undefined;
      const source = inner[name]?.(...args) as AsyncIterable<string>;
      return this.timed(operation, options?.collection, source);
    };
  }

  private async *timed(
    operation: Operation,
    collection: string | undefined,
    source: AsyncIterable<string>,
  ): AsyncGenerator<string, void, undefined> {
    const iterator = source[Symbol.asyncIterator]();
    let done = false;
    try {
      while (!done) {
        const step = await this.race(operation, collection, () => iterator.next());
        done = step.done === true;
        if (!done) yield step.value;
      }
    } finally {
      // Not awaited: after a timeout, return() waits behind the step that never answered.
      if (!done) iterator.return?.().catch(() => {});
    }
  }
}

/** The longest delay `setTimeout` keeps (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function deadline(value: number, name: string): number {
  const valid = value === Number.POSITIVE_INFINITY || (value > 0 && value <= MAX_TIMER_MS);
  if (typeof value !== "number" || !valid) {
    throw new RangeError(
      `${name} must be a number of milliseconds from above 0 to ${MAX_TIMER_MS}, or Infinity, got ${String(value)}`,
    );
  }
  return value;
}

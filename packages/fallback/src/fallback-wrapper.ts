import {
  BaseWrapper,
  type Capability,
  type CapabilityMethod,
  type Clock,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  isTransientError,
  type KeyValue,
  KeyValueError,
  type Operation,
  StoreConnectionError,
  StoreError,
  supports,
  supportsClose,
  systemClock,
} from "@kv/protocol";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker.ts";

/** Options of `FallbackWrapper`. */
export interface FallbackWrapperOptions {
  /**
   * Says which errors of the primary send a call to the fallback. A `KeyValueError` that is
   * neither transient nor a `StoreError` (bad input, bad stored data, a closed store) never does,
   * whatever it says.
   * @default isTransientError (a `KeyValueError` whose `transient` is true, such as `StoreConnectionError`)
   */
  fallbackOn?: ((error: unknown) => boolean) | undefined;
  /** Send writes (`put`, `delete`, `destroy` ...) to the fallback too when the primary is down; when false they fail. @default false */
  writeToFallback?: boolean | undefined;
  /** Consecutive transient failures of the primary after which it is skipped for `cooldownMs`. @default 5 */
  failureThreshold?: number | undefined;
  /** How long the primary is skipped once the circuit opens, in milliseconds; then one call probes it. @default 30 000 */
  cooldownMs?: number | undefined;
  /** The time source of the circuit breaker. @default the system clock */
  clock?: Clock | undefined;
}

const reads = new Set<Operation>(["get", "getMany", "ttl", "ttlMany", "keys", "collections"]);

/** The capability each capability operation belongs to, from the protocol's table. */
const capabilityOf = new Map<Operation, Capability>(
  capabilityNames.flatMap((capability) =>
    capabilityMethods[capability].map(({ operation }) => [operation, capability] as const),
  ),
);

/**
 * Sends every call to a primary store and, when it fails with a transient error, reads from a
 * fallback store instead (writes too with `writeToFallback`). A circuit breaker skips the primary
 * for `cooldownMs` after `failureThreshold` consecutive failures, so an outage does not cost a
 * timeout per call; then one call probes the primary and the circuit closes when it answers.
 *
 * Capabilities follow the primary; `close()` closes both stores.
 */
export class FallbackWrapper extends BaseWrapper {
  private readonly fallback: KeyValue;
  private readonly fallbackOn: (error: unknown) => boolean;
  private readonly writeToFallback: boolean;
  private readonly circuit: CircuitBreaker;

  /** @throws RangeError when `failureThreshold` is not a positive number or `cooldownMs` is negative */
  constructor(primary: KeyValue, fallback: KeyValue, options: FallbackWrapperOptions = {}) {
    super(primary);
    this.fallback = fallback;
    this.fallbackOn = options.fallbackOn ?? isTransientError;
    this.writeToFallback = options.writeToFallback ?? false;
    const threshold = options.failureThreshold ?? 5;
    if (typeof threshold !== "number" || !(threshold >= 1)) {
      throw new RangeError(`failureThreshold must be 1 or more, got ${String(threshold)}`);
    }
    const cooldownMs = options.cooldownMs ?? 30_000;
    if (typeof cooldownMs !== "number" || !(cooldownMs >= 0)) {
      throw new RangeError(`cooldownMs must be a number of 0 or more, got ${String(cooldownMs)}`);
    }
    this.circuit = new CircuitBreaker(threshold, cooldownMs, options.clock ?? systemClock);
    const self = this as unknown as Record<string, unknown>;
    for (const capability of capabilityNames) {
      if (!supports(primary, capability)) continue;
      for (const method of capabilityMethods[capability]) {
        if (!method.iterates) continue;
        self[method.name] = (...args: unknown[]) => this.stream(capability, method, args);
      }
    }
    if (this.close === undefined && supportsClose(fallback)) {
      this.close = () =>
        this.invoke("close", (store) => (supportsClose(store) ? store.close() : Promise.resolve()));
    }
  }

  /** The circuit breaker's state: `closed` (primary in use), `open` (skipped) or `half-open` (probing). */
  get circuitState(): CircuitState {
    return this.circuit.state;
  }

  protected override async invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    if (operation === "close") return this.closeBoth(call);
    if (!this.circuit.tryAcquire()) {
      return this.useFallback(operation, call, options, this.circuit.lastError, true);
    }
    let result: T;
    try {
      result = await call(this.store);
    } catch (error) {
      if (!this.isTransient(error)) {
        this.circuit.released();
        throw error;
      }
      this.circuit.failed(error);
      return this.useFallback(operation, call, options, error, false);
    }
    this.circuit.succeeded();
    return result;
  }

  private useFallback<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options: CollectionOptions | undefined,
    primaryError: unknown,
    skipped: boolean,
  ): Promise<T> {
    const capability = capabilityOf.get(operation);
    const allowed = reads.has(operation) || this.writeToFallback;
    if (allowed && (capability === undefined || supports(this.fallback, capability))) {
      return call(this.fallback);
    }
    if (!skipped) return Promise.reject(primaryError);
    return Promise.reject(
      new StoreConnectionError({
        operation,
        collection: options?.collection,
        cause: primaryError,
        message: allowed
          ? "The primary store is skipped by the open circuit and the fallback cannot do this"
          : "The primary store is skipped by the open circuit and writes do not go to the fallback",
      }),
    );
  }

  /** A stream (`iterateKeys` ...) that falls back when the primary fails before its first item. */
  private async *stream(
    capability: Capability,
    { name, operation, optionsAt }: CapabilityMethod,
    args: unknown[],
  ): AsyncGenerator<unknown, void, undefined> {
    const open = (store: KeyValue): AsyncIterable<unknown> | undefined =>
      supports(store, capability)
        ? (store as unknown as Record<string, (...a: unknown[]) => AsyncIterable<unknown>>)[name]?.(
            ...args,
          )
        : undefined;
    const given = optionsAt === undefined ? undefined : args[optionsAt];
    const options = given as CollectionOptions | undefined;
    if (this.circuit.tryAcquire()) {
      let answered = false;
      try {
        for await (const item of open(this.store) ?? []) {
          if (!answered) this.circuit.succeeded();
          answered = true;
          yield item;
        }
        if (!answered) this.circuit.succeeded();
        return;
      } catch (error) {
        if (answered) throw error;
        if (!this.isTransient(error)) {
          this.circuit.released();
          throw error;
        }
        this.circuit.failed(error);
      }
    }
    const fromFallback = open(this.fallback);
    if (fromFallback === undefined) {
      throw new StoreConnectionError({
        operation,
        collection: options?.collection,
        cause: this.circuit.lastError,
        message: "The primary store is unavailable and the fallback cannot enumerate",
      });
    }
    yield* fromFallback;
  }

  private isTransient(error: unknown): boolean {
    if (KeyValueError.isInstance(error) && !error.transient && !StoreError.isInstance(error)) {
      return false;
    }
    return this.fallbackOn(error);
  }

  private async closeBoth<T>(call: (store: KeyValue) => Promise<T>): Promise<T> {
    const stores = [this.store, this.fallback].filter((store) => supportsClose(store));
    const outcomes = await Promise.allSettled(stores.map((store) => call(store)));
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
    return undefined as T;
  }
}

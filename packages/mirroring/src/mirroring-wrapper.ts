import {
  atomicCapabilities,
  BaseWrapper,
  type Capability,
  type CapabilityMethod,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  isKeyValue,
  type KeyValue,
  type Operation,
  offeredByAll,
  StoreClosedError,
  StoreConfigurationError,
  supports,
  targetCollection,
  type Value,
  validateKeys,
} from "@kv/protocol";
import { type ChildFailure, type MirrorReport, mirroringError } from "./errors.ts";
import { combine, commonRefusal, passesOver } from "./outcomes.ts";
import { type RepairOptions, type RepairResult, repairChildren } from "./repair.ts";

/** What a write does when some children fail and others succeed. */
export type PartialFailurePolicy = "fail" | "report";

/** Options of `MirroringWrapper`. */
export interface MirroringWrapperOptions {
  /**
   * A write that fails on some children and succeeds on others: `"fail"` rejects with
   * `MirroringError` (the children that succeeded keep the write), `"report"` resolves and hands
   * the failures to `report`. A write that fails on every child always rejects. @default "fail"
   */
  onPartialFailure?: PartialFailurePolicy | undefined;
  /**
   * Receives every child failure a call survived: partial writes under `"report"`, and reads that
   * passed over a failing child. Required with `"report"`. What it throws fails the call.
   */
  report?: ((report: MirrorReport) => void | Promise<void>) | undefined;
}

type Call<T> = (store: KeyValue) => Promise<T>;
type Method = (...args: unknown[]) => unknown;

const reads = new Set<Operation>(["get", "getMany", "ttl", "ttlMany", "keys", "collections"]);
const withoutCollection = new Set<Operation>(["collections", "destroy", "cull", "close"]);
/** What a child without a capability answers a call of it (cull and close are offered when any child has them). */
const skipped: unique symbol = Symbol("skipped");

/**
 * Keeps several child stores holding the same entries: writes and deletes go to every child
 * concurrently; a read is answered by the first child, in order, that succeeds (a child failing
 * with a transient error or a `StoreError` is passed over). `repair()` copies entries a child
 * lacks from the others. `close()` closes every child. The atomic operations (`putIfAbsent`,
 * versioned writes, `increment`, `touch`) are not offered: no backend can make a write to
 * several stores atomic.
 */
export class MirroringWrapper extends BaseWrapper {
  readonly #children: readonly KeyValue[];
  readonly #policy: PartialFailurePolicy;
  readonly #report: MirroringWrapperOptions["report"];
  #closed = false;

  /**
   * @throws StoreConfigurationError without children, with a child listed twice, with an unknown
   * `onPartialFailure`, or with `"report"` and no `report`
   * @throws TypeError when a child is not a store or `report` is not a function
   */
  constructor(children: readonly KeyValue[], options: MirroringWrapperOptions = {}) {
    if (!Array.isArray(children) || children.length === 0) {
      throw new StoreConfigurationError({ message: "MirroringWrapper needs at least one child" });
    }
    if (!children.every(isKeyValue)) throw new TypeError("Every child must be a KeyValue store");
    if (new Set(children).size !== children.length) {
      throw new StoreConfigurationError({ message: "A child store is listed twice" });
    }
    const { onPartialFailure = "fail", report } = options;
    if (onPartialFailure !== "fail" && onPartialFailure !== "report") {
      const message = `onPartialFailure must be "fail" or "report", got ${String(onPartialFailure)}`;
      throw new StoreConfigurationError({ message });
    }
    if (report !== undefined && typeof report !== "function") {
      throw new TypeError("report must be a function");
    }
    if (onPartialFailure === "report" && report === undefined) {
      const message = 'onPartialFailure: "report" needs a report function';
      throw new StoreConfigurationError({ message });
    }
    super(children[0] as KeyValue);
    this.#children = children;
    this.#policy = onPartialFailure;
    this.#report = report;
    const self = this as unknown as Record<string, unknown>;
    for (const capability of capabilityNames) {
      const offer = !atomicCapabilities.has(capability) && offeredByAll(children, capability);
      for (const method of capabilityMethods[capability]) {
        if (!offer) delete self[method.name];
        else self[method.name] = this.#forward(capability, method);
      }
    }
  }

  /**
   * Copies every entry some child holds into the children that lack it, keeping its remaining
   * TTL; entries present in every child are left as they are, even when their values differ.
   * @returns how many keys were checked and how many entries were copied, in all and per child
   * @throws StoreConfigurationError when a child cannot enumerate keys, or collections when none are named
   * @throws StoreClosedError after `close()`
   */
  repair(options: RepairOptions = {}): Promise<RepairResult> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    return repairChildren(this.#children, options);
  }

  /** @inheritdoc */
  override async delete(key: string, options?: CollectionOptions): Promise<boolean> {
    this.#validate("delete", [key], options);
    return super.delete(key, options);
  }

  /** @inheritdoc */
  override async deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    this.#validate("deleteMany", keys, options);
    return super.deleteMany(keys, options);
  }

  /** Defined so that BaseWrapper checks every write before it reaches any child. */
  protected override encodeValue(value: Value): Value {
    return value;
  }

  /** Checks a delete's names, so bad input fails with its typed error whatever the children's state. */
  #validate(
    operation: Operation,
    keys: readonly string[],
    options: CollectionOptions | undefined,
  ): void {
    const collection = targetCollection(options, this.defaultCollection, operation);
    validateKeys(keys, { operation, collection });
  }

  protected override invoke<T>(
    operation: Operation,
    call: Call<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    const collection =
      options?.collection ??
      (withoutCollection.has(operation) ? undefined : this.defaultCollection);
    if (operation === "close") return this.#close(call);
    if (this.#closed) return Promise.reject(new StoreClosedError({ operation, collection }));
    if (!reads.has(operation)) return this.#write(operation, call, collection);
    return call(this.store).catch((error: unknown) =>
      this.#readOn(operation, call, collection, error),
    );
  }

  /** A capability method: a read or write through `invoke`, or a stream read from one child. */
  #forward(capability: Capability, method: CapabilityMethod): Method {
    const { name, operation, iterates, optionsAt, collectionAt } = method;
    const call = (store: KeyValue, args: unknown[]): unknown =>
      supports(store, capability)
        ? (store as unknown as Record<string, Method>)[name]?.(...args)
        : Promise.resolve(skipped);
    if (iterates) return (...args) => this.#stream(operation, call, args);
    return (...args) => {
      const options =
        collectionAt !== undefined
          ? { collection: args[collectionAt] as string }
          : (args[optionsAt ?? -1] as CollectionOptions | undefined);
      return this.invoke(operation, (store) => call(store, args) as Promise<unknown>, options);
    };
  }

  /** The first child failed: ask the next ones in order, and report what was passed over. */
  async #readOn<T>(
    operation: Operation,
    call: Call<T>,
    collection: string | undefined,
    error: unknown,
  ): Promise<T> {
    if (!passesOver(error)) throw error;
    const failures: ChildFailure[] = [{ index: 0, error }];
    for (let index = 1; index < this.#children.length; index++) {
      let result: T;
      try {
        result = await call(this.#children[index] as KeyValue);
      } catch (next) {
        if (!passesOver(next)) throw next;
        failures.push({ index, error: next });
        continue;
      }
      await this.#report?.({ operation, collection, failures, succeeded: 1 });
      return result;
    }
    throw mirroringError({ operation, collection, failures, succeeded: 0 });
  }

  /** A stream from the first child that does not fail before its first item. */
  async *#stream(
    operation: Operation,
    method: (store: KeyValue, args: unknown[]) => unknown,
    args: unknown[],
  ): AsyncGenerator<unknown, void, undefined> {
    const options = args[0] as CollectionOptions | undefined;
    const collection =
      operation === "keys" ? (options?.collection ?? this.defaultCollection) : undefined;
    if (this.#closed) throw new StoreClosedError({ operation, collection });
    const failures: ChildFailure[] = [];
    for (const [index, child] of this.#children.entries()) {
      let answered = false;
      try {
        for await (const item of method(child, args) as AsyncIterable<unknown>) {
          answered = true;
          yield item;
        }
      } catch (error) {
        if (answered || !passesOver(error)) throw error;
        failures.push({ index, error });
        continue;
      }
      if (failures.length > 0) {
        await this.#report?.({ operation, collection, failures, succeeded: 1 });
      }
      return;
    }
    throw mirroringError({ operation, collection, failures, succeeded: 0 });
  }

  /** Runs a write on every child concurrently, and applies the policy. */
  async #write<T>(operation: Operation, call: Call<T>, collection: string | undefined): Promise<T> {
    const outcomes = await Promise.allSettled(this.#children.map((child) => call(child)));
    const results: T[] = [];
    const failures: ChildFailure[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === "rejected") failures.push({ index, error: outcome.reason });
      else if (outcome.value !== skipped) results.push(outcome.value);
    }
    if (failures.length === 0) return combine(results);
    const report: MirrorReport = { operation, collection, failures, succeeded: results.length };
    if (results.length === 0) throw commonRefusal(failures) ?? mirroringError(report);
    if (this.#policy === "fail") throw mirroringError(report);
    await this.#report?.(report);
    return combine(results);
  }

  async #close<T>(call: Call<T>): Promise<T> {
    if (this.#closed) return undefined as T;
    this.#closed = true;
    return this.#write("close", call, undefined);
  }
}

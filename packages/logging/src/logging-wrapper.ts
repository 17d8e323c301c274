import {
  BaseWrapper,
  type CapabilityMethod,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  type Entry,
  type KeyValue,
  type Operation,
  type PutOptions,
  supports,
  type Value,
  type ValueWithTtl,
} from "@kv/protocol";
import * as calls from "./calls.ts";
import type { LoggingWrapperOptions } from "./logger.ts";
import { Recorder } from "./recorder.ts";

type Stream = (...args: unknown[]) => AsyncIterable<string>;

/**
 * Logs one structured record per call, capabilities and streams included: the operation, the
 * collection, the key (or how many keys), the duration, the outcome and what it found, and for a
 * failure the error's name, code, message and its cause's message. Successes are logged at
 * `info`, transient failures at `warn`, other failures at `error` (each configurable). Values
 * are logged only with `logValues`; keys can be left out with `logKeys: false`. Results and
 * errors pass through unchanged, and a logger that throws never changes the outcome of a call.
 */
export class LoggingWrapper extends BaseWrapper {
  private readonly recorder: Recorder;

  /**
   * @throws RangeError when a level is not `debug`, `info`, `warn`, `error` or `silent`
   * @throws TypeError when the logger lacks the method of a level in use, or an option has the wrong type
   */
  constructor(store: KeyValue, options: LoggingWrapperOptions = {}) {
    super(store);
    this.recorder = new Recorder(options, this.defaultCollection);
    const self = this as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>;
    for (const capability of capabilityNames) {
      if (!supports(store, capability)) continue;
      for (const method of capabilityMethods[capability]) {
        const forward = self[method.name];
        if (forward === undefined) self[method.name] = this.withheld(method);
        else if (method.iterates) self[method.name] = this.stream(method, forward as Stream);
      }
    }
  }

  override get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    return this.observe("get", calls.get, key, undefined, options);
  }

  override getMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(Value | undefined)[]> {
    return this.observe("getMany", calls.getMany, keys, undefined, options);
  }

  override ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    return this.observe("ttl", calls.ttl, key, undefined, options);
  }

  override ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    return this.observe("ttlMany", calls.ttlMany, keys, undefined, options);
  }

  override put(key: string, value: Value, options?: PutOptions): Promise<void> {
    return this.observe("put", calls.put, key, value, options);
  }

  override putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    return this.observe("putMany", calls.putMany, entries, undefined, options);
  }

  override delete(key: string, options?: CollectionOptions): Promise<boolean> {
    return this.observe("delete", calls.remove, key, undefined, options);
  }

  override deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    return this.observe("deleteMany", calls.removeMany, keys, undefined, options);
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    return this.observe(operation, calls.capability, undefined, call, options) as Promise<T>;
  }

  /** Makes one call and logs its outcome. */
  private observe<S, P, T>(
    operation: Operation,
    call: calls.Call<S, P, T>,
    subject: S,
    payload: P,
    options: PutOptions | undefined,
  ): Promise<T> {
    const started = performance.now();
    let pending: Promise<T>;
    try {
      pending = call.run(this.store, subject, payload, options);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        const record = this.recorder.succeeded(started, operation, options, subject);
        if (record !== undefined) {
          call.describe(record, result, subject, payload, this.recorder.show);
          this.recorder.write(record);
        }
        return result;
      },
      (error: unknown) => {
        this.recorder.failed(started, operation, options, subject, error);
        throw error;
      },
    );
  }

  /**
   * A capability BaseWrapper withholds from wrappers that override data methods (whole-entry
   * access, which would go around them): this wrapper changes no data, so it forwards it, logged.
   */
  private withheld({
    name,
    operation,
    optionsAt,
  }: CapabilityMethod): (...args: unknown[]) => unknown {
    const run = (store: KeyValue, args: unknown[]) =>
      (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]?.(...args);
    return (...args) => {
      const options = optionsAt === undefined ? undefined : (args[optionsAt] as CollectionOptions);
      const subject = Array.isArray(args[0]) ? args[0] : undefined;
      return this.observe(
        operation,
        calls.capability,
        subject,
        (store) => run(store, args),
        options,
      );
    };
  }

  /** A stream method that logs one record when the stream ends, fails or is left early. */
  private stream({ operation, optionsAt }: CapabilityMethod, forward: Stream): Stream {
    return (...args) => {
      const options = optionsAt === undefined ? undefined : (args[optionsAt] as CollectionOptions);
      const started = performance.now();
      try {
        return this.streamed(operation, options, forward(...args), started);
      } catch (error) {
        this.recorder.failed(started, operation, options, undefined, error);
        throw error;
      }
    };
  }

  private async *streamed(
    operation: Operation,
    options: CollectionOptions | undefined,
    source: AsyncIterable<string>,
    started: number,
  ): AsyncGenerator<string, void, undefined> {
    let count = 0;
    let failed = false;
    try {
      for await (const name of source) {
        count++;
        yield name;
      }
    } catch (error) {
      failed = true;
      this.recorder.failed(started, operation, options, undefined, error);
      throw error;
    } finally {
      const record = failed
        ? undefined
        : this.recorder.succeeded(started, operation, options, undefined);
      if (record !== undefined) {
        record.count = count;
        record.stream = true;
        this.recorder.write(record);
      }
    }
  }
}

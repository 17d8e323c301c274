import {
  BaseWrapper,
  type CapabilityMethod,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  type Entry,
  type KeyValue,
  type PutOptions,
  supports,
  type Value,
  type ValueWithTtl,
} from "@kv/protocol";
import {
  type Attributes,
  type Context,
  context,
  createNoopMeter,
  type Histogram,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import {
  DB_CLIENT_OPERATION_DURATION,
  DB_COLLECTION_NAME,
  DB_OPERATION_BATCH_SIZE,
  DB_OPERATION_NAME,
  DB_SYSTEM_NAME,
  DURATION_BUCKETS,
  dbSystemName,
  ERROR_TYPE,
  errorType,
  exceptionOf,
  KV_KEY,
  KV_KEYS,
} from "./conventions.ts";

/** Options of `OpenTelemetryWrapper`. */
export interface OpenTelemetryWrapperOptions {
  /** Where spans go. @default the global tracer provider (`trace.getTracerProvider()`) */
  tracerProvider?: TracerProvider | undefined;
  /**
   * Where the duration histogram goes. The global meter provider is read when the wrapper is
   * made, so register the SDK first. @default the global meter provider
   */
  meterProvider?: MeterProvider | undefined;
  /** `db.system.name` on every span and measurement. @default the store's `systemName` */
  systemName?: string | undefined;
  /**
   * Record the key of single-key calls (`kv.key`) and the keys of bulk calls (`kv.keys`) on
   * spans, and keep keys in recorded error messages. Keys may be personal data. Values are never
   * recorded. @default false
   */
  recordKeys?: boolean | undefined;
}

/** The instrumentation scope spans and measurements are reported under. */
const SCOPE = "@kv/opentelemetry";

/** What a call names: one key, many keys or `[key, …]` pairs, or nothing. */
type Subject = string | readonly unknown[] | undefined;
type Method = (...args: unknown[]) => unknown;
type Stream = (...args: unknown[]) => AsyncIterable<unknown>;

let noopTracerProvider: TracerProvider | undefined;

/**
 * Reports every call to the inner store to OpenTelemetry: a client span named
 * `<operation> <collection>` and a measurement of the `db.client.operation.duration` histogram,
 * with the database semantic conventions' attributes (`db.system.name`, `db.operation.name`,
 * `db.collection.name`, `db.operation.batch.size` for bulk calls, `error.type` on failure; a
 * failed span has status error and the exception recorded). Capabilities, atomic operations and
 * streams included. Keys are recorded only with `recordKeys`; values never. With no SDK
 * registered, calls go straight to the inner store. Results and errors pass through unchanged.
 */
export class OpenTelemetryWrapper extends BaseWrapper {
  readonly #tracer: Tracer;
  readonly #histogram: Histogram;
  readonly #system: string;
  readonly #recordKeys: boolean;
  /** The global proxy provider, whose delegate tells whether an SDK is registered. */
  readonly #proxy: ProxyTracerProvider | undefined;
  readonly #metered: boolean;

  constructor(store: KeyValue, options: OpenTelemetryWrapperOptions = {}) {
    super(store);
    const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
    this.#tracer = tracerProvider.getTracer(SCOPE);
    this.#proxy = tracerProvider instanceof ProxyTracerProvider ? tracerProvider : undefined;
    noopTracerProvider ??= new ProxyTracerProvider().getDelegate();
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
    this.#metered = meter !== createNoopMeter();
    this.#histogram = meter.createHistogram(DB_CLIENT_OPERATION_DURATION, {
      description: "Duration of database client operations.",
      unit: "s",
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.#system = options.systemName ?? dbSystemName(store);
    this.#recordKeys = options.recordKeys === true;
    const self = this as unknown as Record<string, Method>;
    for (const capability of capabilityNames) {
      if (!supports(store, capability)) continue;
      for (const method of capabilityMethods[capability]) {
        self[method.name] = method.iterates ? this.#streamOf(method) : this.#callOf(method);
      }
    }
  }

  /** @inheritdoc */
  override get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    if (this.#idle()) return this.store.get(key, options);
    return this.#observe("get", this.#collectionOf(options), key, () =>
      this.store.get(key, options),
    );
  }

  /** @inheritdoc */
  override getMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(Value | undefined)[]> {
    if (this.#idle()) return this.store.getMany(keys, options);
    return this.#observe("getMany", this.#collectionOf(options), keys, () =>
      this.store.getMany(keys, options),
    );
  }

  /** @inheritdoc */
  override ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    if (this.#idle()) return this.store.ttl(key, options);
    return this.#observe("ttl", this.#collectionOf(options), key, () =>
      this.store.ttl(key, options),
    );
  }

  /** @inheritdoc */
  override ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    if (this.#idle()) return this.store.ttlMany(keys, options);
    return this.#observe("ttlMany", this.#collectionOf(options), keys, () =>
      this.store.ttlMany(keys, options),
    );
  }

  /** @inheritdoc */
  override put(key: string, value: Value, options?: PutOptions): Promise<void> {
    if (this.#idle()) return this.store.put(key, value, options);
    return this.#observe("put", this.#collectionOf(options), key, () =>
      this.store.put(key, value, options),
    );
  }

  /** @inheritdoc */
  override putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    if (this.#idle()) return this.store.putMany(entries, options);
    return this.#observe("putMany", this.#collectionOf(options), entries, () =>
      this.store.putMany(entries, options),
    );
  }

  /** @inheritdoc */
  override delete(key: string, options?: CollectionOptions): Promise<boolean> {
    if (this.#idle()) return this.store.delete(key, options);
    return this.#observe("delete", this.#collectionOf(options), key, () =>
      this.store.delete(key, options),
    );
  }

  /** @inheritdoc */
  override deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    if (this.#idle()) return this.store.deleteMany(keys, options);
    return this.#observe("deleteMany", this.#collectionOf(options), keys, () =>
      this.store.deleteMany(keys, options),
    );
  }

  /** True when nothing would be recorded: no SDK behind the global tracer, and no meter. */
  #idle(): boolean {
    return !this.#metered && this.#proxy?.getDelegate() === noopTracerProvider;
  }

  /** Runs one call inside its span and records its duration. */
  #observe<T>(
    operation: string,
    collection: string | undefined,
    subject: Subject,
    call: () => Promise<T>,
  ): Promise<T> {
    const attributes = this.#attributes(operation, collection);
    const { span, active, started } = this.#start(operation, attributes, subject);
    let pending: Promise<T>;
    try {
      pending = context.with(active, call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        this.#succeeded(span, started, attributes);
        return result;
      },
      (error: unknown) => {
        this.#failed(span, started, attributes, error);
        throw error;
      },
    );
  }

  /** The attributes of both the span and the measurement. */
  #attributes(operation: string, collection: string | undefined): Attributes {
    const attributes: Attributes = {
      [DB_SYSTEM_NAME]: this.#system,
      [DB_OPERATION_NAME]: operation,
    };
    if (collection !== undefined) attributes[DB_COLLECTION_NAME] = collection;
    return attributes;
  }

  /** Starts the span of a call, as a child of the active span, and the clock. */
  #start(
    operation: string,
    attributes: Attributes,
    subject: Subject,
  ): { span: Span; active: Context; started: number } {
    const collection = attributes[DB_COLLECTION_NAME];
    const name = collection === undefined ? operation : `${operation} ${collection}`;
    const parent = context.active();
    const span = this.#tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: this.#spanAttributes(attributes, subject) },
      parent,
    );
    return { span, active: trace.setSpan(parent, span), started: performance.now() };
  }

  /**
   * The span's attributes: the common ones, the batch size of a bulk call (a call naming one
   * entry is no batch, as the conventions say) and, with `recordKeys`, its key or keys.
   */
  #spanAttributes(attributes: Attributes, subject: Subject): Attributes {
    if (subject === undefined) return attributes;
    if (typeof subject === "string") {
      return this.#recordKeys ? { ...attributes, [KV_KEY]: subject } : attributes;
    }
    if (!Array.isArray(subject)) return attributes;
    const extra: Attributes = {};
    if (subject.length !== 1) extra[DB_OPERATION_BATCH_SIZE] = subject.length;
    if (this.#recordKeys) extra[KV_KEYS] = subject.map(keyOf);
    return { ...attributes, ...extra };
  }

  #succeeded(span: Span, started: number, attributes: Attributes): void {
    span.end();
    if (this.#metered) this.#histogram.record((performance.now() - started) / 1000, attributes);
  }

  #failed(span: Span, started: number, attributes: Attributes, error: unknown): void {
    const type = errorType(error);
    const exception = exceptionOf(error, this.#recordKeys);
    span.setAttribute(ERROR_TYPE, type);
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
    span.end();
    if (this.#metered) {
      const seconds = (performance.now() - started) / 1000;
      this.#histogram.record(seconds, { ...attributes, [ERROR_TYPE]: type });
    }
  }

  /** The collection a call targets: the one named, or the default; none when it is no string. */
  #collectionOf(options: CollectionOptions | undefined): string | undefined {
    const named = options?.collection;
    if (named === undefined) return this.defaultCollection;
    return typeof named === "string" ? named : undefined;
  }

  /** The forwarding function of a capability method, observed like the data methods. */
  #callOf(method: CapabilityMethod): Method {
    const { name, keyAt, keysAt } = method;
    const call = (args: unknown[]) =>
      (this.store as unknown as Record<string, Method>)[name]?.(...args) as Promise<unknown>;
    return (...args: unknown[]) => {
      if (this.#idle()) return call(args);
      const at = keyAt ?? keysAt;
      const subject = at === undefined ? undefined : (args[at] as Subject);
      const collection = this.#capabilityCollection(method, args);
      return this.#observe(name, collection, subject, () => call(args));
    };
  }

  /** The collection a capability call targets, when it targets one. */
  #capabilityCollection(method: CapabilityMethod, args: readonly unknown[]): string | undefined {
    if (method.collectionAt !== undefined) {
      const named = args[method.collectionAt];
      return typeof named === "string" ? named : undefined;
    }
    if (method.optionsAt === undefined) return undefined;
    return this.#collectionOf(args[method.optionsAt] as CollectionOptions | undefined);
  }

  /** The forwarding function of a stream: one span from the first item to the end of the stream. */
  #streamOf(method: CapabilityMethod): Stream {
    const open = (args: unknown[]) =>
      (this.store as unknown as Record<string, Stream>)[method.name]?.(
        ...args,
      ) as AsyncIterable<unknown>;
    return (...args: unknown[]) => {
      if (this.#idle()) return open(args);
      const collection = this.#capabilityCollection(method, args);
      return this.#streamed(method.name, collection, () => open(args));
    };
  }

  async *#streamed(
    operation: string,
    collection: string | undefined,
    open: () => AsyncIterable<unknown>,
  ): AsyncGenerator<unknown, void, undefined> {
    const attributes = this.#attributes(operation, collection);
    const { span, active, started } = this.#start(operation, attributes, undefined);
    let finished = false;
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      iterator = context.with(active, () => open()[Symbol.asyncIterator]());
      const source = iterator;
      for (;;) {
        const step = await context.with(active, () => source.next());
        if (step.done === true) break;
        yield step.value;
      }
      finished = true;
      this.#succeeded(span, started, attributes);
    } catch (error) {
      finished = true;
      this.#failed(span, started, attributes, error);
      throw error;
    } finally {
      if (!finished) {
        await iterator?.return?.();
        this.#succeeded(span, started, attributes);
      }
    }
  }
}

/** The key of a bulk call's item: the item itself, or the first element of a `[key, …]` pair. */
function keyOf(item: unknown): string {
  return String(Array.isArray(item) ? item[0] : item);
}

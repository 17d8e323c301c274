import {
  BaseWrapper,
  type Clock,
  type CollectionOptions,
  capabilityMethods,
  capabilityNames,
  type Entry,
  type KeyValue,
  type Operation,
  type PutOptions,
  type Value,
  type ValueWithTtl,
} from "@kv/protocol";
import { LatencyHistogram } from "./histogram.ts";

/** Latencies of one operation, in milliseconds. */
export interface LatencySummary {
  /** How many calls were timed, failed ones included. */
  count: number;
  /** The mean duration. */
  meanMs: number;
  /** The median duration (within about 6%). */
  p50Ms: number;
  /** The 99th percentile duration (within about 6%). */
  p99Ms: number;
  /** The longest duration. */
  maxMs: number;
}

/** Counts and latencies of one operation. */
export interface OperationStatistics {
  /** Calls made, failed ones included. */
  calls: number;
  /** Calls that threw. */
  errors: number;
  /** How long the calls took. */
  latency: LatencySummary;
}

/** Counts of one collection (or of the whole store). */
export interface CollectionStatistics {
  /** Keys read by successful `get`, `getMany`, `ttl` and `ttlMany` calls. */
  gets: number;
  /** Keys read that had a value. */
  hits: number;
  /** Keys read that were missing or expired. */
  misses: number;
  /** Keys written by successful `put` and `putMany` calls. */
  puts: number;
  /** Keys named by successful `delete` and `deleteMany` calls. */
  deletes: number;
  /** Calls that threw. */
  errors: number;
  /** Per operation, for the operations called at least once. */
  operations: Partial<Record<Operation, OperationStatistics>>;
}

/** A copy of the statistics at one moment. */
export interface StatisticsSnapshot {
  /** When counting started (construction or the last `reset()`), in epoch milliseconds. */
  since: number;
  /** Every call, including those that name no collection (`collections()`, `destroy()` ...). */
  total: CollectionStatistics;
  /** Per collection, up to `maxCollections` of them. */
  collections: Record<string, CollectionStatistics>;
  /** Collections beyond `maxCollections`, counted together. */
  otherCollections: CollectionStatistics;
}

/** Options of `StatisticsWrapper`. */
export interface StatisticsWrapperOptions {
  /** The most collections counted one by one; later ones are counted together. @default 1 000 */
  maxCollections?: number | undefined;
  /** The time source for latencies, in milliseconds. @default performance.now() */
  clock?: Clock | undefined;
}

interface OperationCounters {
  calls: number;
  errors: number;
  readonly latency: LatencyHistogram;
}

class Counters {
  gets = 0;
  hits = 0;
  misses = 0;
  puts = 0;
  deletes = 0;
  errors = 0;
  readonly operations = new Map<Operation, OperationCounters>();

  operation(name: Operation): OperationCounters {
    let counters = this.operations.get(name);
    if (counters === undefined) {
      counters = { calls: 0, errors: 0, latency: new LatencyHistogram() };
      this.operations.set(name, counters);
    }
    return counters;
  }

  summary(): CollectionStatistics {
    const operations: Partial<Record<Operation, OperationStatistics>> = {};
    for (const [name, { calls, errors, latency }] of this.operations) {
      operations[name] = {
        calls,
        errors,
        latency: {
          count: latency.count,
          meanMs: latency.mean() / 1000,
          p50Ms: latency.quantile(0.5) / 1000,
          p99Ms: latency.quantile(0.99) / 1000,
          maxMs: latency.maximum() / 1000,
        },
      };
    }
    const { gets, hits, misses, puts, deletes, errors } = this;
    return { gets, hits, misses, puts, deletes, errors, operations };
  }
}

/** Capability operations that name no collection (`collections`, `destroy` ...), from the protocol's table. */
const storeWide = new Set<Operation>(
  capabilityNames
    .flatMap((capability) => capabilityMethods[capability])
    .filter((method) => method.optionsAt === undefined && method.collectionAt === undefined)
    .map((method) => method.operation),
);
const performanceClock: Clock = { now: () => performance.now() };

/**
 * Counts calls per collection and per operation (gets, hits, misses, puts, deletes, errors) and
 * keeps latency summaries (count, mean, p50, p99, max) in fixed-size histograms. `snapshot()`
 * returns a copy; `reset()` starts again. Streams (`iterateKeys`, `iterateCollections`) are not
 * counted.
 */
export class StatisticsWrapper extends BaseWrapper {
  private readonly clock: Clock;
  private readonly maxCollections: number;
  private since = Date.now();
  private total = new Counters();
  private other = new Counters();
  private byCollection = new Map<string, Counters>();

  /** @throws RangeError when `maxCollections` is negative or not a number */
  constructor(store: KeyValue, options: StatisticsWrapperOptions = {}) {
    super(store);
    const maxCollections = options.maxCollections ?? 1000;
    if (typeof maxCollections !== "number" || Number.isNaN(maxCollections) || maxCollections < 0) {
      throw new RangeError(`maxCollections must be a number of 0 or more, got ${maxCollections}`);
    }
    this.maxCollections = maxCollections;
    this.clock = options.clock ?? performanceClock;
  }

  /** A copy of the counts and latency summaries so far. */
  snapshot(): StatisticsSnapshot {
    const collections: Record<string, CollectionStatistics> = {};
    for (const [name, counters] of this.byCollection) collections[name] = counters.summary();
    return {
      since: this.since,
      total: this.total.summary(),
      collections,
      otherCollections: this.other.summary(),
    };
  }

  /** Forgets every count and latency; counting starts again now. */
  reset(): void {
    this.since = Date.now();
    this.total = new Counters();
    this.other = new Counters();
    this.byCollection = new Map();
  }

  /** @inheritdoc */
  override async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    await super.putMany(entries, options);
    this.countKeys("puts", options, entries.length);
  }

  /** @inheritdoc */
  override async deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    const deleted = await super.deleteMany(keys, options);
    this.countKeys("deletes", options, keys.length);
    return deleted;
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    const started = this.clock.now();
    return call(this.store).then(
      (result) => {
        this.record(operation, options, started, result, false);
        return result;
      },
      (error: unknown) => {
        this.record(operation, options, started, undefined, true);
        throw error;
      },
    );
  }

  private record(
    operation: Operation,
    options: CollectionOptions | undefined,
    started: number,
    result: unknown,
    failed: boolean,
  ): void {
    const micros = (this.clock.now() - started) * 1000;
    tally(this.total, operation, micros, result, failed);
    if (storeWide.has(operation)) return;
    const collection = this.countersFor(options);
    if (collection !== undefined) tally(collection, operation, micros, result, failed);
  }

  private countKeys(
    field: "puts" | "deletes",
    options: CollectionOptions | undefined,
    keys: number,
  ): void {
    this.total[field] += keys;
    const collection = this.countersFor(options);
    if (collection !== undefined) collection[field] += keys;
  }

  private countersFor(options: CollectionOptions | undefined): Counters | undefined {
    const requested = options?.collection;
    if (requested !== undefined && (typeof requested !== "string" || requested === "")) {
      return undefined;
    }
    const name = requested ?? this.defaultCollection;
    let counters = this.byCollection.get(name);
    if (counters === undefined) {
      if (this.byCollection.size >= this.maxCollections) return this.other;
      counters = new Counters();
      this.byCollection.set(name, counters);
    }
    return counters;
  }
}

function tally(
  counters: Counters,
  operation: Operation,
  micros: number,
  result: unknown,
  failed: boolean,
): void {
  const perOperation = counters.operation(operation);
  perOperation.calls += 1;
  perOperation.latency.record(micros);
  if (failed) {
    perOperation.errors += 1;
    counters.errors += 1;
  } else {
    count(counters, operation, result);
  }
}

function count(counters: Counters, operation: Operation, result: unknown): void {
  switch (operation) {
    case "get":
      read(counters, [result as Value | undefined]);
      break;
    case "ttl":
      read(counters, [(result as ValueWithTtl)[0]]);
      break;
    case "getMany":
      read(counters, result as (Value | undefined)[]);
      break;
    case "ttlMany":
      read(
        counters,
        (result as ValueWithTtl[]).map(([value]) => value),
      );
      break;
    case "put":
      counters.puts += 1;
      break;
    case "delete":
      counters.deletes += 1;
      break;
    default:
      break;
  }
}

function read(counters: Counters, values: readonly (Value | undefined)[]): void {
  let hits = 0;
  for (const value of values) if (value !== undefined) hits++;
  counters.gets += values.length;
  counters.hits += hits;
  counters.misses += values.length - hits;
}

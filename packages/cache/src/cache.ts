import {
  type Clock,
  type CollectionOptions,
  defaultCollectionOf,
  isKeyValue,
  type KeyValue,
  resolveTtl,
  supportsPutIfAbsent,
  systemClock,
  type Ttl,
  validateCollection,
  validateKey,
} from "@kv/protocol";
import type { InvalidationBus } from "./bus.ts";
import { type CachedEntry, decodeEntry, encodeEntry } from "./envelope.ts";
import { CachedFactoryError, FactoryTimeoutError, LockTimeoutError } from "./errors.ts";
import { DEFAULT_LEASE_COLLECTION, Leases } from "./lease.ts";
import { CacheCounters, type CacheStatisticsSnapshot } from "./statistics.ts";
import { TieredStore } from "./tiers.ts";
import { delay, jittered, settleWithin } from "./timing.ts";

/** What a factory is given. */
export interface FactoryContext {
  /** The key being computed. */
  readonly key: string;
  /** The collection it is cached in. */
  readonly collection: string;
  /** Aborted when every caller waiting for this computation has aborted through its own `signal`. */
  readonly signal: AbortSignal;
}

/** Computes the value of a key on a miss. Its result must survive `JSON.stringify`. */
export type Factory<T> = (context: FactoryContext) => T | Promise<T>;

/** How entries are cached: the cache's defaults, each of which a call may override. */
export interface CacheEntryOptions {
  /** The collection entries are cached in. @default the store's default collection */
  collection?: string | undefined;
  /** How long a computed value is fresh: seconds, or a duration such as `"5m"`. @default never expires */
  ttl?: Ttl | undefined;
  /**
   * How long after `ttl` a stale value is still served (seconds or a duration; `0` for none)
   * while one caller refreshes it in the background. The entry is stored for `ttl + grace`.
   * @default 0
   */
  grace?: Ttl | undefined;
  /**
   * With a stale value at hand, how long a caller waits for the refresh before it is given the
   * stale value (the refresh goes on in the background). @default 0: the stale value at once
   */
  softTimeoutMs?: number | undefined;
  /**
   * Without a stale value, how long a caller waits for the factory before it gets
   * `FactoryTimeoutError`; the factory goes on and its value is still cached. @default no limit
   */
  hardTimeoutMs?: number | undefined;
  /**
   * The TTL of the lease on the backend (seconds or a duration): how long other processes wait
   * for a holder that died before one of them takes over. Keep it above the factory's longest
   * run, or a second process starts computing. @default 30
   */
  lockTtl?: Ttl | undefined;
  /**
   * How long a caller waits on another process's lease before it gets `LockTimeoutError`.
   * @default `lockTtl` plus one second, so that a dead holder's lease expires first
   */
  lockWaitMs?: number | undefined;
  /** Whether a factory error is cached (for `negativeTtl`) and served again as `CachedFactoryError`. @default false */
  cacheErrors?: boolean | undefined;
  /** Whether a factory result of `undefined` is cached (for `negativeTtl`). @default false */
  cacheUndefined?: boolean | undefined;
  /** How long a cached error or `undefined` is kept (seconds or a duration). @default `ttl` */
  negativeTtl?: Ttl | undefined;
}

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends CacheEntryOptions {
  /** Stops this caller's wait: it rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** Options of `wrap`: the key of a call, and how its result is cached. */
export interface WrapOptions<A extends readonly unknown[]> extends CacheEntryOptions {
  /** The cache key of one call, from its arguments. */
  key: (...args: A) => string;
}

/** Options of `set`. */
export interface SetOptions extends CollectionOptions {
  /** How long the value is fresh. @default the cache's `ttl` */
  ttl?: Ttl | undefined;
  /** How long it is served stale afterwards. @default the cache's `grace` */
  grace?: Ttl | undefined;
}

/** Options of `createCache`. */
export interface CacheOptions extends CacheEntryOptions {
  /** The collection leases are kept in (in the lowest tier when there are tiers). @default "kv_cache_leases" */
  leaseCollection?: string | undefined;
  /** The time source for freshness and grace, in epoch milliseconds. @default the system clock */
  clock?: Clock | undefined;
}

/** Options of `createCache` over tiers of stores. */
export interface TieredCacheOptions extends CacheOptions {
  /** The stores, fastest first (say a `MemoryStore` with `maxEntries`, then Redis); see `TieredStore`. */
  tiers: readonly KeyValue[];
  /** Drops a key from every process's upper tiers when another process writes or deletes it. */
  bus?: InvalidationBus | undefined;
}

/** How a cache keeps a key from being computed more than once at a time. */
export type StampedeProtection = "lease" | "process";

interface Settings {
  collection: string;
  ttl: number | undefined;
  graceMs: number;
  softTimeoutMs: number;
  hardTimeoutMs: number | undefined;
  lockTtl: number;
  lockWaitMs: number;
  cacheErrors: boolean;
  cacheUndefined: boolean;
  negativeTtl: number | undefined;
}

type Outcome = { ok: true; entry: CachedEntry; stale: boolean } | { ok: false; error: unknown };

type Claim =
  | { kind: "held"; holder: string }
  | { kind: "found"; entry: CachedEntry }
  | { kind: "elsewhere"; stale: CachedEntry };

/** One computation of a key in this process, shared by every caller that arrives while it runs. */
interface Flight {
  /** The stale value inside its grace period that the first read found, served meanwhile. */
  readonly stale: CachedEntry | undefined;
  /** The value or error the callers get, as soon as it is known. */
  readonly answer: Promise<Outcome>;
  readonly controller: AbortController;
  joined: number;
  aborted: number;
  /** How many callers were given the answer: all but the first get copies. */
  revealed: number;
}

const defaultLockTtl = 30;
const firstPollMs = 10;
const longestPollMs = 200;
const entryOptionNames: readonly (keyof CacheEntryOptions)[] = [
  "collection",
  "ttl",
  "grace",
  "softTimeoutMs",
  "hardTimeoutMs",
  "lockTtl",
  "lockWaitMs",
  "cacheErrors",
  "cacheUndefined",
  "negativeTtl",
];

/**
 * Get-or-compute caching on any `KeyValue`. Concurrent callers of one key in a process share one
 * computation; when the store has `putIfAbsent`, a lease on the backend makes it one computation
 * across every process sharing the store. Create one with `createCache`.
 */
export class Cache {
  /** `"lease"` when the store has `putIfAbsent` (one computation across processes), else `"process"`. */
  readonly stampedeProtection: StampedeProtection;
  readonly #store: KeyValue;
  readonly #leases: Leases | undefined;
  readonly #clock: Clock;
  readonly #options: CacheEntryOptions;
  readonly #defaults: Settings;
  readonly #defaultCollection: string;
  readonly #flights = new Map<string, Flight>();
  readonly #releasing = new Map<string, Promise<void>>();
  readonly #counters = new CacheCounters();

  /**
   * Caches in `store`, taking leases in `leaseStore` (the same store, or the lowest tier).
   * @throws InvalidTtlError, InvalidKeyError or RangeError for a bad option
   */
  constructor(store: KeyValue, leaseStore: KeyValue, options: CacheOptions = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#defaultCollection = defaultCollectionOf(store);
    this.#options = options;
    this.#defaults = this.#resolve({});
    const leaseCollection = options.leaseCollection ?? DEFAULT_LEASE_COLLECTION;
    validateCollection(leaseCollection);
    this.#leases = supportsPutIfAbsent(leaseStore)
      ? new Leases(leaseStore, leaseCollection)
      : undefined;
    this.stampedeProtection = this.#leases === undefined ? "process" : "lease";
  }

  /**
   * Returns the cached value of `key`, or runs `factory` once (once across processes when the
   * store has `putIfAbsent`) and caches its result. Callers arriving while it runs share it;
   * a stale value inside its grace period is served while one caller refreshes it.
   * @throws whatever the factory threw (to every caller waiting for that run; nothing is cached
   * unless `cacheErrors`), CachedFactoryError for a cached error, FactoryTimeoutError,
   * LockTimeoutError, the signal's reason when it aborts, InvalidKeyError, InvalidTtlError or
   * RangeError for bad input, SerializationError for a result that is not JSON, StoreError
   */
  async getOrSet<T>(key: string, factory: Factory<T>, options: GetOrSetOptions = {}): Promise<T> {
    const settings = this.#settings(key, options);
    const { collection } = settings;
    const signal = options.signal;
    signal?.throwIfAborted();
    const id = flightId(collection, key);
    let flight = this.#flights.get(id);
    if (flight === undefined) {
      const stored = await this.#store.get(key, { collection });
      const entry = stored === undefined ? undefined : decodeEntry(stored);
      if (entry !== undefined && this.#isFresh(entry)) {
        this.#counters.add("hits");
        return reveal<T>(entry, key, collection, false);
      }
      signal?.throwIfAborted();
      flight =
        this.#flights.get(id) ?? this.#start(id, key, settings, factory as Factory<unknown>, entry);
    }
    flight.joined += 1;
    try {
      return await this.#follow<T>(flight, key, settings, signal);
    } catch (error) {
      if (signal?.aborted === true && error === signal.reason) this.#leave(id, flight);
      throw error;
    }
  }

  /**
   * Memoizes an async function: each call is `getOrSet(options.key(...args), () => fn(...args))`,
   * with the same guarantees.
   * @throws InvalidTtlError or RangeError for a bad option (at once); each call throws what `getOrSet` throws
   */
  wrap<A extends readonly unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    options: WrapOptions<A>,
  ): (...args: A) => Promise<R> {
    const { key, ...entryOptions } = options;
    this.#resolve(entryOptions);
    return (...args: A) => this.getOrSet(key(...args), () => fn(...args), entryOptions);
  }

  /**
   * Reads the fresh cached value of `key`; `undefined` when it is missing, expired or stale.
   * @throws CachedFactoryError for a cached error, InvalidKeyError, StoreError
   */
  async get<T>(key: string, options: CollectionOptions = {}): Promise<T | undefined> {
    const { collection } = this.#settings(key, options);
    const entry = await this.#read(key, collection);
    if (entry === undefined || !this.#isFresh(entry)) {
      this.#counters.add("misses");
      return undefined;
    }
    this.#counters.add("hits");
    return reveal<T>(entry, key, collection, false);
  }

  /**
   * Stores `value` for `key` whatever is cached now, fresh for `ttl` (then stale for `grace`).
   * @throws InvalidKeyError, InvalidTtlError, SerializationError for a value that is not JSON, StoreError
   */
  async set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    const settings = this.#settings(key, options);
    const entry: CachedEntry =
      value === undefined
        ? { kind: "undefined", freshUntil: undefined }
        : { kind: "value", value, freshUntil: undefined };
    await this.#write(key, settings, entry);
  }

  /**
   * Removes the cached value of `key`.
   * @returns `true` when there was one
   * @throws InvalidKeyError, StoreError
   */
  async delete(key: string, options: CollectionOptions = {}): Promise<boolean> {
    const { collection } = this.#settings(key, options);
    return this.#store.delete(key, { collection });
  }

  /** A copy of this process's counts: hits, misses, stale hits, factory runs, lock waits and takeovers. */
  statistics(): CacheStatisticsSnapshot {
    return this.#counters.snapshot();
  }

  /** Forgets every count; counting starts again now. */
  resetStatistics(): void {
    this.#counters.reset();
  }

  #settings(key: string, options: CacheEntryOptions): Settings {
    validateKey(key);
    for (const name of entryOptionNames) {
      if (options[name] !== undefined) return this.#resolve(options);
    }
    return this.#defaults;
  }

  #resolve(options: CacheEntryOptions): Settings {
    const pick = <K extends keyof CacheEntryOptions>(name: K): CacheEntryOptions[K] =>
      options[name] ?? this.#options[name];
    const collection = pick("collection") ?? this.#defaultCollection;
    validateCollection(collection);
    const ttl = resolveTtl(pick("ttl"));
    const grace = pick("grace");
    const lockTtl = resolveTtl(pick("lockTtl")) ?? defaultLockTtl;
    return {
      collection,
      ttl,
      graceMs: grace === 0 ? 0 : (resolveTtl(grace) ?? 0) * 1000,
      softTimeoutMs: milliseconds("softTimeoutMs", pick("softTimeoutMs")) ?? 0,
      hardTimeoutMs: milliseconds("hardTimeoutMs", pick("hardTimeoutMs")),
      lockTtl,
      lockWaitMs: milliseconds("lockWaitMs", pick("lockWaitMs")) ?? lockTtl * 1000 + 1000,
      cacheErrors: pick("cacheErrors") ?? false,
      cacheUndefined: pick("cacheUndefined") ?? false,
      negativeTtl: resolveTtl(pick("negativeTtl")) ?? ttl,
    };
  }

  /**
   * Starts the flight of a key whose first read found `first` (missing, stale or expired). The
   * flight leaves the table as soon as its answer is known, so later callers read again; its
   * lease may still be being released, which a new flight of the key waits for.
   */
  #start(
    id: string,
    key: string,
    settings: Settings,
    factory: Factory<unknown>,
    first: CachedEntry | undefined,
  ): Flight {
    const stale =
      first !== undefined && first.kind !== "error" && this.#inGrace(first, settings)
        ? first
        : undefined;
    let resolveAnswer: (outcome: Outcome) => void = () => {};
    const flight: Flight = {
      stale,
      answer: new Promise((resolve) => {
        resolveAnswer = resolve;
      }),
      controller: new AbortController(),
      joined: 0,
      aborted: 0,
      revealed: 0,
    };
    const publish = (outcome: Outcome): void => {
      if (this.#flights.get(id) === flight) this.#flights.delete(id);
      resolveAnswer(outcome);
    };
    this.#flights.set(id, flight);
    void this.#refresh(key, settings, factory, flight.controller.signal, stale, publish).then(
      publish,
      (error: unknown) => publish({ ok: false, error }),
    );
    return flight;
  }

  /** What a caller of a flight gets: the stale value (within `softTimeoutMs`), or the answer. */
  async #follow<T>(
    flight: Flight,
    key: string,
    settings: Settings,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const { collection, softTimeoutMs, hardTimeoutMs } = settings;
    const copy = flight.revealed++ > 0;
    if (flight.stale !== undefined) {
      const outcome =
        softTimeoutMs === 0 ? undefined : await settleWithin(flight.answer, softTimeoutMs, signal);
      const fresh = outcome?.ok === true && !outcome.stale;
      this.#counters.add(fresh ? "misses" : "staleHits");
      return reveal<T>(fresh ? outcome.entry : flight.stale, key, collection, copy);
    }
    this.#counters.add("misses");
    const outcome = await settleWithin(flight.answer, hardTimeoutMs, signal);
    if (outcome === undefined) {
      throw new FactoryTimeoutError({ key, collection, timeoutMs: hardTimeoutMs ?? 0 });
    }
    if (!outcome.ok) throw outcome.error;
    return reveal<T>(outcome.entry, key, collection, copy);
  }

  /** A caller aborted: when every caller of the flight has, the factory's signal aborts too. */
  #leave(id: string, flight: Flight): void {
    flight.aborted += 1;
    if (flight.aborted < flight.joined) return;
    if (this.#flights.get(id) === flight) this.#flights.delete(id);
    flight.controller.abort(new DOMException("Every caller aborted", "AbortError"));
  }

  async #refresh(
    key: string,
    settings: Settings,
    factory: Factory<unknown>,
    signal: AbortSignal,
    stale: CachedEntry | undefined,
    publish: (outcome: Outcome) => void,
  ): Promise<Outcome> {
    const leases = this.#leases;
    if (leases === undefined) return this.#produce(key, settings, factory, signal);
    const claim = await this.#claim(leases, key, settings, signal, stale);
    if (claim.kind === "found") return { ok: true, entry: claim.entry, stale: false };
    if (claim.kind === "elsewhere") return { ok: true, entry: claim.stale, stale: true };
    try {
      const current = await this.#read(key, settings.collection);
      const outcome: Outcome =
        current !== undefined && this.#isFresh(current)
          ? { ok: true, entry: current, stale: false }
          : await this.#produce(key, settings, factory, signal);
      publish(outcome);
      return outcome;
    } finally {
      const id = flightId(settings.collection, key);
      const released = leases.release(settings.collection, key, claim.holder);
      this.#releasing.set(id, released);
      await released;
      if (this.#releasing.get(id) === released) this.#releasing.delete(id);
    }
  }

  /**
   * Takes the key's lease, waiting (polling with backoff) while another process holds it: ends
   * when this process holds it, when the holder's value appears, or, with a stale value to
   * serve, at once.
   */
  async #claim(
    leases: Leases,
    key: string,
    settings: Settings,
    signal: AbortSignal,
    stale: CachedEntry | undefined,
  ): Promise<Claim> {
    const { collection, lockTtl } = settings;
    await this.#releasing.get(flightId(collection, key));
    const holder = await leases.acquire(collection, key, lockTtl);
    if (holder !== undefined) return { kind: "held", holder };
    if (stale !== undefined) return { kind: "elsewhere", stale };
    this.#counters.add("lockWaits");
    const started = performance.now();
    for (let pause = firstPollMs; ; pause = Math.min(pause * 1.5, longestPollMs)) {
      await delay(jittered(pause), signal);
      const entry = await this.#read(key, collection);
      if (entry !== undefined && this.#isFresh(entry)) return { kind: "found", entry };
      const taken = await leases.acquire(collection, key, lockTtl);
      if (taken !== undefined) {
        this.#counters.add("lockTakeovers");
        return { kind: "held", holder: taken };
      }
      const waitedMs = Math.round(performance.now() - started);
      if (waitedMs >= settings.lockWaitMs)
        throw new LockTimeoutError({ key, collection, waitedMs });
    }
  }

  async #produce(
    key: string,
    settings: Settings,
    factory: Factory<unknown>,
    signal: AbortSignal,
  ): Promise<Outcome> {
    this.#counters.add("factoryRuns");
    let result: unknown;
    try {
      result = await factory({ key, collection: settings.collection, signal });
    } catch (error) {
      this.#counters.add("factoryErrors");
      if (settings.cacheErrors && !signal.aborted) await this.#cacheError(key, settings, error);
      return { ok: false, error };
    }
    const entry: CachedEntry =
      result === undefined
        ? { kind: "undefined", freshUntil: undefined }
        : { kind: "value", value: result, freshUntil: undefined };
    if (result !== undefined || settings.cacheUndefined) await this.#write(key, settings, entry);
    return { ok: true, entry, stale: false };
  }

  async #cacheError(key: string, settings: Settings, error: unknown): Promise<void> {
    const { name, message } =
      error instanceof Error ? error : { name: "Error", message: String(error) };
    const entry: CachedEntry = { kind: "error", name, message, freshUntil: undefined };
    try {
      await this.#write(key, { ...settings, graceMs: 0 }, entry);
    } catch {
      // The factory's error is what the callers get; an error that could not be cached is not.
    }
  }

  /** Stores an entry: fresh for `ttl` (`negativeTtl` for a cached error or `undefined`), then stale for the grace period. */
  async #write(key: string, settings: Settings, entry: CachedEntry): Promise<void> {
    const ttl = entry.kind === "value" ? settings.ttl : settings.negativeTtl;
    const grace = ttl === undefined ? 0 : settings.graceMs;
    const freshUntil = grace > 0 && ttl !== undefined ? this.#clock.now() + ttl * 1000 : undefined;
    await this.#store.put(key, encodeEntry({ ...entry, freshUntil }), {
      collection: settings.collection,
      ttl: ttl === undefined ? undefined : ttl + grace / 1000,
    });
  }

  async #read(key: string, collection: string): Promise<CachedEntry | undefined> {
    const stored = await this.#store.get(key, { collection });
    return stored === undefined ? undefined : decodeEntry(stored);
  }

  #isFresh(entry: CachedEntry): boolean {
    return entry.freshUntil === undefined || this.#clock.now() < entry.freshUntil;
  }

  #inGrace(entry: CachedEntry, settings: Settings): boolean {
    return (
      entry.freshUntil !== undefined && this.#clock.now() < entry.freshUntil + settings.graceMs
    );
  }
}

/**
 * A cache on `store`, or on tiers of stores (`{ tiers: [l1, l2], bus }`: a `TieredStore`, with
 * leases on the lowest tier).
 * @throws InvalidTtlError, InvalidKeyError or RangeError for a bad option; what `TieredStore`'s
 * constructor throws for bad tiers
 */
export function createCache(store: KeyValue, options?: CacheOptions): Cache;
export function createCache(options: TieredCacheOptions): Cache;
export function createCache(
  storeOrOptions: KeyValue | TieredCacheOptions,
  options: CacheOptions = {},
): Cache {
  if (isKeyValue(storeOrOptions)) return new Cache(storeOrOptions, storeOrOptions, options);
  const { tiers, bus, ...cacheOptions } = storeOrOptions;
  const store = new TieredStore(tiers, { bus, clock: cacheOptions.clock });
  return new Cache(store, tiers[tiers.length - 1] ?? store, cacheOptions);
}

/** The value an entry holds, copied when another caller may hold the same object. */
function reveal<T>(entry: CachedEntry, key: string, collection: string, copy: boolean): T {
  if (entry.kind === "error") {
    throw new CachedFactoryError({
      message: entry.message,
      cachedName: entry.name,
      key,
      collection,
    });
  }
  if (entry.kind === "undefined") return undefined as T;
  const { value } = entry;
  return (
    copy && typeof value === "object" && value !== null ? structuredClone(value) : value
  ) as T;
}

function flightId(collection: string, key: string): string {
  return `${collection.length}:${collection}:${key}`;
}

function milliseconds(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${name} must be a finite number of milliseconds, 0 or more, got ${String(value)}`,
    );
  }
  return value;
}

import {
  type Clock,
  type CollectionEnumeration,
  type CollectionOptions,
  type ConditionalVersions,
  defaultCollectionOf,
  type Entry,
  type EntryAccess,
  type Incrementable,
  isKeyValue,
  type KeyEnumeration,
  type KeyValue,
  type ManagedEntry,
  type Operation,
  OptionalCapabilities,
  offeredByAll,
  type PutIfAbsent,
  type PutOptions,
  resolveTtl,
  StoreClosedError,
  StoreConfigurationError,
  supports,
  supportsClose,
  supportsCull,
  supportsDestroyCollection,
  supportsEntries,
  systemClock,
  type Touchable,
  type Ttl,
  targetCollection,
  type Value,
  type ValueWithTtl,
  validateKeys,
  withCollection,
} from "@kv/protocol";
import type { InvalidationBus } from "./bus.ts";

/** Options of `TieredStore`. */
export interface TieredStoreOptions {
  /**
   * Publishes the keys of every write and delete (after it is done), and drops the keys other
   * processes publish from the upper tiers (every tier but the lowest). `close()` stops listening
   * but leaves the bus open, since other stores may use it.
   */
  bus?: InvalidationBus | undefined;
  /**
   * The longest an entry stays in an upper tier: seconds, or a duration such as `"5m"`. Entries
   * that never expire below get it, others the shorter of it and their remaining TTL. It bounds
   * how long a change another process made goes unseen when the bus loses a message (or there is
   * none). With it, `ttl()` and `ttlMany()` read the lowest tier, whose TTLs are the true ones.
   * @default none: upper tiers keep the remaining TTL, and no expiry where the lowest tier has none
   */
  maxUpperTtl?: Ttl | undefined;
  /**
   * Told about failures that no call rejects with: copying a value read from a lower tier into
   * the tiers above it (the read still returns it), and dropping keys a bus message named.
   * @default ignored
   */
  onError?: ((error: unknown) => void) | undefined;
  /** The time source for remaining TTLs; it must be the tiers' own. @default the system clock */
  clock?: Clock | undefined;
}

/** A value found in a lower tier, for the tiers above it. */
interface Found {
  readonly key: string;
  readonly value: Value;
  /** Epoch ms by which it expires below at the latest; `undefined` never. */
  readonly expiresAt: number | undefined;
}

/**
 * Several stores as one, fastest first: say a `MemoryStore` with `maxEntries` in front of Redis.
 * Reads fall through the tiers in order; a value found lower down is copied into the tiers above
 * it with its remaining TTL, never longer, so an upper tier never serves an entry the lowest has
 * let expire. Writes and deletes go to every tier, the lowest (the shared source of truth) first,
 * so an upper tier never holds a value the lowest refused. Bulk calls make one call per tier.
 * A value read while a write of the same key was running (here, or in another process through
 * the bus) is not copied up.
 *
 * Capabilities, each offered when the named tiers have it:
 * - `keys`, `collections`: the lowest tier's.
 * - `putIfAbsent`, `versions`, `increment`, `touch` (the lowest tier): run on the lowest tier
 *   alone, which keeps their guarantee; when one changes an entry, its key is dropped from the
 *   upper tiers and published on the bus. `getVersioned` reads the lowest tier.
 * - `entries` (the lowest tier): `readEntries` reads the lowest tier, `writeEntries` writes
 *   every tier (those without whole-entry access by `putMany`).
 * - `destroyCollection`, `destroy` (every tier): every tier; `destroyCollection` is published
 *   as the whole collection, `destroy` is not published.
 * - `cull` (any tier): every tier that has it.
 * - `close` (any tier, or a bus): stops listening to the bus and closes every tier that can be
 *   closed; every later call is refused with `StoreClosedError`.
 */
export class TieredStore extends OptionalCapabilities implements KeyValue {
  /** The collection calls without one go to: the lowest tier's default. */
  readonly defaultCollection: string;
  readonly #tiers: readonly KeyValue[];
  readonly #lowest: KeyValue;
  /** The tiers above the lowest, from the lowest of them up. */
  readonly #upward: readonly KeyValue[];
  readonly #bus: InvalidationBus | undefined;
  readonly #unsubscribe: (() => void) | undefined;
  readonly #maxUpperMs: number;
  readonly #clock: Clock;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #spans = new Spans();
  #closed = false;

  /**
   * @throws StoreConfigurationError without tiers, with a tier listed twice, or with a
   * `maxUpperTtl` that is not a valid TTL
   * @throws TypeError when a tier is not a store
   * @throws StoreClosedError when the bus is closed
   */
  constructor(tiers: readonly KeyValue[], options: TieredStoreOptions = {}) {
    super();
    if (!Array.isArray(tiers) || tiers.length === 0) {
      throw new StoreConfigurationError({ message: "TieredStore needs at least one tier" });
    }
    if (!tiers.every(isKeyValue)) throw new TypeError("Every tier must be a KeyValue store");
    if (new Set(tiers).size !== tiers.length) {
      throw new StoreConfigurationError({ message: "A tier is listed twice" });
    }
    this.#tiers = [...tiers];
    this.#lowest = tiers[tiers.length - 1] as KeyValue;
    this.#upward = tiers.slice(0, -1).reverse();
    this.defaultCollection = defaultCollectionOf(this.#lowest);
    this.#maxUpperMs = maxUpperMs(options.maxUpperTtl);
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError;
    this.#bus = options.bus;
    this.#offerCapabilities();
    if (this.#bus !== undefined) {
      this.#unsubscribe = this.#bus.subscribe((collection, keys) =>
        this.#invalidated(collection, keys),
      );
    }
  }

  /** @inheritdoc */
  async get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    const collection = this.#check("get", options, [key]);
    if (this.#upward.length === 0) return this.#lowest.get(key, { collection });
    const cached = await (this.#tiers[0] as KeyValue).get(key, { collection });
    if (cached !== undefined) return cached;
    const [found] = await this.#read(collection, [key], false, 1);
    return found?.[0];
  }

  /** @inheritdoc */
  async getMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(Value | undefined)[]> {
    const collection = this.#check("getMany", options, keys);
    const found = await this.#read(collection, keys, false, 0);
    return found.map(([value]) => value);
  }

  /**
   * Reads a value with its remaining TTL: the one of the tier that answered, which an upper tier
   * keeps no longer than the true one (with `maxUpperTtl`, the lowest tier's).
   * @throws InvalidKeyError, StoreError, DeserializationError
   */
  async ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    const collection = this.#check("ttl", options, [key]);
    const [found] = await this.#read(collection, [key], true, 0);
    return found ?? [undefined, undefined];
  }

  /** @inheritdoc */
  async ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    const collection = this.#check("ttlMany", options, keys);
    return this.#read(collection, keys, true, 0);
  }

  /**
   * Writes one value to every tier, the lowest first; the upper tiers keep it no longer than the
   * lowest (nor than `maxUpperTtl`).
   * @throws InvalidKeyError, InvalidTtlError, SerializationError (nothing is written), StoreError,
   * InvalidationBusError (the write is done, but other processes were not told)
   */
  async put(key: string, value: Value, options?: PutOptions): Promise<void> {
    const collection = this.#check("put", options, [key]);
    const ttl = resolveTtl(options?.ttl, { operation: "put", collection, key });
    await this.#write(
      collection,
      [key],
      (tier) => tier.put(key, value, { collection, ttl }),
      (tier, started) =>
        this.#copy(tier, collection, [{ key, value, expiresAt: after(started, ttl) }]),
    );
  }

  /**
   * Writes values to every tier with one call each, the lowest first (see `put`).
   * @throws InvalidKeyError, InvalidTtlError, SerializationError (nothing is written), StoreError,
   * InvalidationBusError (the writes are done, but other processes were not told)
   */
  async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    if (!Array.isArray(entries)) {
      throw new TypeError("putMany expects an array of [key, value] pairs");
    }
    const keys = entries.map((entry) => entry?.[0]);
    const collection = this.#check("putMany", options, keys);
    const ttl = resolveTtl(options?.ttl, { operation: "putMany", collection });
    await this.#write(
      collection,
      keys,
      (tier) => tier.putMany(entries, { collection, ttl }),
      (tier, started) => {
        const expiresAt = after(started, ttl);
        return this.#copy(
          tier,
          collection,
          entries.map(([key, value]) => ({ key, value, expiresAt })),
        );
      },
    );
  }

  /**
   * Deletes one key from every tier.
   * @returns `true` when the lowest tier held it
   * @throws InvalidKeyError, StoreError, InvalidationBusError (the delete is done, but other
   * processes were not told)
   */
  async delete(key: string, options?: CollectionOptions): Promise<boolean> {
    const collection = this.#check("delete", options, [key]);
    const remove = (tier: KeyValue) => tier.delete(key, { collection });
    return this.#write(collection, [key], remove, remove);
  }

  /**
   * Deletes keys from every tier.
   * @returns how many the lowest tier held
   * @throws InvalidKeyError, StoreError, InvalidationBusError (the deletes are done, but other
   * processes were not told)
   */
  async deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    const collection = this.#check("deleteMany", options, keys);
    const remove = (tier: KeyValue) => tier.deleteMany(keys, { collection });
    return this.#write(collection, keys, remove, remove);
  }

  /** Calls `close()` when the store has it; a no-op otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.close !== undefined) await this.close();
  }

  /** Puts on this instance the capability methods its tiers allow (see the class comment). */
  #offerCapabilities(): void {
    const lowest = this.#lowest;
    if (supports(lowest, "keys")) this.#offerKeys(lowest);
    if (supports(lowest, "collections")) this.#offerCollections(lowest);
    if (supports(lowest, "putIfAbsent")) this.#offerPutIfAbsent(lowest);
    if (supports(lowest, "versions")) this.#offerVersions(lowest);
    if (supports(lowest, "increment")) this.#offerIncrement(lowest);
    if (supports(lowest, "touch")) this.#offerTouch(lowest);
    if (supports(lowest, "entries")) this.#offerEntries();
    if (offeredByAll(this.#tiers, "destroyCollection")) {
      this.destroyCollection = (collection) => this.#destroyCollection(collection);
    }
    if (offeredByAll(this.#tiers, "destroy")) this.destroy = () => this.#destroy();
    if (offeredByAll(this.#tiers, "cull")) this.cull = () => this.#cull();
    if (offeredByAll(this.#tiers, "close") || this.#bus !== undefined) {
      this.close = () => this.#close();
    }
  }

  #offerKeys(lowest: KeyEnumeration): void {
    this.keys = async (options) => {
      this.#check("keys", options, []);
      return lowest.keys(options);
    };
    this.iterateKeys = (options) =>
      this.#iterate(() => {
        this.#check("keys", options, []);
        return lowest.iterateKeys(options);
      });
  }

  #offerCollections(lowest: CollectionEnumeration): void {
    this.collections = async (options) => {
      this.#check("collections", undefined, []);
      return lowest.collections(options);
    };
    this.iterateCollections = () =>
      this.#iterate(() => {
        this.#check("collections", undefined, []);
        return lowest.iterateCollections();
      });
  }

  #offerPutIfAbsent(lowest: PutIfAbsent): void {
    this.putIfAbsent = (key, value, options) =>
      this.#atomic("putIfAbsent", key, options, (collection) =>
        lowest.putIfAbsent(key, value, withCollection(options, collection)),
      );
  }

  #offerVersions(lowest: ConditionalVersions): void {
    this.getVersioned = async (key, options) => {
      const collection = this.#check("getVersioned", options, [key]);
      return lowest.getVersioned(key, { collection });
    };
    this.putIfVersion = (key, value, version, options) =>
      this.#atomic("putIfVersion", key, options, (collection) =>
        lowest.putIfVersion(key, value, version, withCollection(options, collection)),
      );
    this.deleteIfVersion = (key, version, options) =>
      this.#atomic("deleteIfVersion", key, options, (collection) =>
        lowest.deleteIfVersion(key, version, { collection }),
      );
  }

  #offerIncrement(lowest: Incrementable): void {
    this.increment = (key, options) =>
      this.#atomic("increment", key, options, (collection) =>
        lowest.increment(key, withCollection(options, collection)),
      );
  }

  #offerTouch(lowest: Touchable): void {
    this.touch = (key, options) =>
      this.#atomic("touch", key, options, (collection) =>
        lowest.touch(key, withCollection(options, collection)),
      );
  }

  #offerEntries(): void {
    const lowest = this.#lowest as KeyValue & EntryAccess;
    this.readEntries = async (keys, options) => {
      const collection = this.#check("readEntries", options, keys);
      return lowest.readEntries(keys, { collection });
    };
    this.writeEntries = async (entries, options) => {
      if (!Array.isArray(entries)) throw new TypeError("writeEntries expects [key, entry] pairs");
      const collection = this.#check(
        "writeEntries",
        options,
        entries.map((entry) => entry?.[0]),
      );
      await this.#writeEntries(collection, entries);
    };
  }

  /**
   * Refuses calls after `close()`, checks the collection and keys (so bad input fails before any
   * tier is touched), and returns the collection the call targets.
   */
  #check(
    operation: Operation,
    options: CollectionOptions | undefined,
    keys: readonly unknown[],
  ): string {
    const collection = targetCollection(options, this.defaultCollection, operation);
    if (this.#closed) throw new StoreClosedError({ operation, collection });
    validateKeys(keys, { operation, collection });
    return collection;
  }

  async *#iterate(open: () => AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
    yield* open();
  }

  /**
   * Reads distinct keys down the tiers from `from` (the top tier: 0), each tier asked only for
   * what the ones above it lacked, and copies what a lower tier had into the tiers above it.
   * With `withTtl` and `maxUpperTtl`, it starts at the lowest tier.
   */
  async #read(
    collection: string,
    keys: readonly string[],
    withTtl: boolean,
    from: number,
  ): Promise<ValueWithTtl[]> {
    const answers = new Map<string, ValueWithTtl>();
    let missing = [...new Set(keys)];
    const start =
      withTtl && this.#maxUpperMs < Number.POSITIVE_INFINITY ? this.#tiers.length - 1 : from;
    const found: Found[][] = this.#tiers.map(() => []);
    let span: Span | undefined;
    try {
      for (let level = start; level < this.#tiers.length && missing.length > 0; level++) {
        if (level > 0) span ??= this.#spans.open(collection, missing, false);
        const started = this.#clock.now();
        const read = await readTier(
          this.#tiers[level] as KeyValue,
          missing,
          collection,
          withTtl || level > 0,
        );
        const lacking: string[] = [];
        for (const [index, key] of missing.entries()) {
          const [value, ttl] = read[index] ?? [undefined, undefined];
          if (value === undefined) {
            lacking.push(key);
            continue;
          }
          answers.set(key, [value, ttl]);
          const expiresAt = after(started, ttl);
          for (let upper = 0; upper < level; upper++) found[upper]?.push({ key, value, expiresAt });
        }
        missing = lacking;
      }
      if (span !== undefined) await this.#copyUp(collection, found, span);
    } finally {
      if (span !== undefined) this.#spans.close(span);
    }
    return keys.map((key) => answers.get(key) ?? [undefined, undefined]);
  }

  /**
   * Writes what lower tiers had into the tiers above them, one call per tier, unless a write
   * overlapped the read; drops it again when a write began while it was being written.
   */
  async #copyUp(collection: string, found: readonly Found[][], span: Span): Promise<void> {
    if (span.stale) return;
    const copies = found.map((values, level) =>
      values.length === 0
        ? undefined
        : this.#copy(this.#tiers[level] as KeyValue, collection, values),
    );
    for (const outcome of await Promise.allSettled(copies)) {
      if (outcome.status === "rejected") this.#report(outcome.reason);
    }
    if (!span.stale) return;
    const keys = [...new Set(found.flat().map(({ key }) => key))];
    await this.#dropUpper(collection, keys).catch((error: unknown) => this.#report(error));
  }

  /**
   * Writes values into one upper tier, each expiring when it does below at the latest (and
   * within `maxUpperTtl`): one `writeEntries` with the exact expiries where the tier has it, else
   * one `putMany` per TTL, a millisecond short so the tier's own clock cannot push it past.
   * Values with no time left are deleted from the tier instead.
   */
  async #copy(tier: KeyValue, collection: string, values: readonly Found[]): Promise<void> {
    const now = this.#clock.now();
    const exact = supportsEntries(tier);
    const entries: [string, ManagedEntry][] = [];
    const expired: string[] = [];
    for (const { key, value, expiresAt } of values) {
      const until = this.#upperExpiry(
        exact || expiresAt === undefined ? expiresAt : expiresAt - 1,
        now,
      );
      if (until === null) expired.push(key);
      else entries.push([key, { value, createdAt: now, expiresAt: until }]);
    }
    const writes: Promise<unknown>[] = [];
    if (expired.length > 0) writes.push(tier.deleteMany(expired, { collection }));
    if (entries.length > 0 && exact) {
      writes.push(tier.writeEntries(entries, { collection }));
    } else if (entries.length > 0) {
      const byTtl = new Map<number | undefined, Entry[]>();
      for (const [key, { value, expiresAt }] of entries) {
        const ttl = expiresAt === undefined ? undefined : (expiresAt - now) / 1000;
        const group = byTtl.get(ttl);
        if (group === undefined) byTtl.set(ttl, [[key, value]]);
        else group.push([key, value]);
      }
      for (const [ttl, group] of byTtl) writes.push(tier.putMany(group, { collection, ttl }));
    }
    await Promise.all(writes);
  }

  /**
   * The expiry, in whole epoch ms, of an upper tier's copy of an entry that expires below at
   * `expiresAt`: no later, nor later than `maxUpperTtl` from `now`. `null` when less than a
   * millisecond would be left.
   */
  #upperExpiry(expiresAt: number | undefined, now: number): number | undefined | null {
    const until = Math.floor(
      Math.min(expiresAt ?? Number.POSITIVE_INFINITY, now + this.#maxUpperMs),
    );
    if (until === Number.POSITIVE_INFINITY) return undefined;
    return until - now >= 1 ? until : null;
  }

  /**
   * Runs a write or delete on the lowest tier with `call`, then on each tier above it, from the
   * bottom up, with `upper` (given the time the lowest tier was called), then publishes the keys.
   * When an upper tier fails, or another write of the keys overlapped this one, the keys are
   * dropped from the upper tiers so none keeps an older value than the lowest.
   * @returns what the lowest tier returned
   */
  async #write<T>(
    collection: string,
    keys: readonly string[],
    call: (tier: KeyValue) => Promise<T>,
    upper: (tier: KeyValue, started: number) => Promise<unknown>,
  ): Promise<T> {
    if (this.#upward.length === 0) {
      const result = await call(this.#lowest);
      await this.#changed(collection, keys, false, undefined);
      return result;
    }
    const span = this.#spans.open(collection, keys, true);
    try {
      const started = this.#clock.now();
      const result = await call(this.#lowest);
      let failure: { error: unknown } | undefined;
      for (const tier of this.#upward) {
        try {
          await upper(tier, started);
        } catch (error) {
          failure = { error };
          break;
        }
      }
      await this.#changed(collection, keys, failure !== undefined || span.stale, failure);
      return result;
    } finally {
      this.#spans.close(span);
    }
  }

  /**
   * Runs an atomic operation on the lowest tier alone; when it changed the entry (a `true`, or
   * any count), drops the key from the upper tiers and publishes it.
   */
  async #atomic<T extends boolean | number>(
    operation: Operation,
    key: string,
    options: CollectionOptions | undefined,
    call: (collection: string) => Promise<T>,
  ): Promise<T> {
    const collection = this.#check(operation, options, [key]);
    const span = this.#spans.open(collection, [key], true);
    try {
      const result = await call(collection);
      if (result !== false) await this.#changed(collection, [key], true, undefined);
      return result;
    } finally {
      this.#spans.close(span);
    }
  }

  async #writeEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    await this.#write(
      collection,
      entries.map(([key]) => key),
      (tier) => (tier as KeyValue & EntryAccess).writeEntries(entries, { collection }),
      (tier) => {
        const values = entries.map(([key, { value, expiresAt }]) => ({ key, value, expiresAt }));
        return this.#copy(tier, collection, values);
      },
    );
  }

  async #destroyCollection(collection: string): Promise<boolean> {
    this.#check("destroyCollection", { collection }, []);
    const span = this.#spans.open(collection, undefined, true);
    try {
      const [lowest, ...upper] = [this.#lowest, ...this.#upward].filter(supportsDestroyCollection);
      const result = (await lowest?.destroyCollection(collection)) ?? false;
      let failure: { error: unknown } | undefined;
      for (const tier of upper) {
        await tier.destroyCollection(collection).catch((error: unknown) => {
          failure ??= { error };
        });
      }
      await this.#changed(collection, undefined, false, failure);
      return result;
    } finally {
      this.#spans.close(span);
    }
  }

  async #destroy(): Promise<boolean> {
    this.#check("destroy", undefined, []);
    const span = this.#spans.open(undefined, undefined, true);
    try {
      let result = false;
      for (const tier of [this.#lowest, ...this.#upward]) {
        const destroyed = supports(tier, "destroy") && (await tier.destroy());
        if (tier === this.#lowest) result = destroyed;
      }
      return result;
    } finally {
      this.#spans.close(span);
    }
  }

  async #cull(): Promise<void> {
    this.#check("cull", undefined, []);
    for (const tier of [this.#lowest, ...this.#upward]) {
      if (supportsCull(tier)) await tier.cull();
    }
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    const closing = this.#tiers.filter(supportsClose).map((tier) => tier.close());
    for (const outcome of await Promise.allSettled(closing)) {
      if (outcome.status === "rejected") throw outcome.reason;
    }
  }

  /**
   * Drops keys from every upper tier (`undefined`: the whole collection, where a tier can).
   * @throws the first failure, after trying every tier
   */
  async #dropUpper(collection: string, keys: readonly string[] | undefined): Promise<void> {
    if (keys?.length === 0) return;
    const drops = this.#upward.map((tier) => {
      if (keys !== undefined) return tier.deleteMany(keys, { collection });
      return supportsDestroyCollection(tier) ? tier.destroyCollection(collection) : undefined;
    });
    for (const outcome of await Promise.allSettled(drops)) {
      if (outcome.status === "rejected") throw outcome.reason;
    }
  }

  /**
   * What follows a change of the lowest tier: drops the keys from the upper tiers when asked,
   * publishes them (`undefined`: the whole collection), and throws `failure`, else the first
   * error of those steps. A publish that fails after another failure goes to `onError`.
   */
  async #changed(
    collection: string,
    keys: readonly string[] | undefined,
    drop: boolean,
    failure: { error: unknown } | undefined,
  ): Promise<void> {
    let first = failure;
    if (drop) {
      await this.#dropUpper(collection, keys).catch((error: unknown) => {
        first ??= { error };
      });
    }
    if (this.#bus !== undefined && keys?.length !== 0) {
      const published = this.#bus.publish(collection, keys === undefined ? [] : [...new Set(keys)]);
      if (first === undefined) await published;
      else await published.catch((error: unknown) => this.#report(error));
    }
    if (first !== undefined) throw first.error;
  }

  /** What another process published: reads in progress copy nothing up, and the upper tiers drop it. */
  #invalidated(collection: string, keys: readonly string[]): void {
    if (this.#closed || this.#upward.length === 0) return;
    const named = keys.length === 0 ? undefined : keys;
    this.#spans.invalidate(collection, named);
    this.#dropUpper(collection, named).catch((error: unknown) => this.#report(error));
  }

  #report(error: unknown): void {
    try {
      this.#onError?.(error);
    } catch {
      // a failing hook must not change the outcome of the call
    }
  }
}

/** The epoch ms `ttl` seconds after `started`; `undefined` for no TTL. */
function after(started: number, ttl: number | undefined): number | undefined {
  return ttl === undefined ? undefined : started + ttl * 1000;
}

/** Reads keys from one tier, with their TTLs when asked; one call whatever their number. */
async function readTier(
  tier: KeyValue,
  keys: readonly string[],
  collection: string,
  withTtl: boolean,
): Promise<ValueWithTtl[]> {
  const options = { collection };
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    return [withTtl ? await tier.ttl(only, options) : [await tier.get(only, options), undefined]];
  }
  if (withTtl) return tier.ttlMany(keys, options);
  return (await tier.getMany(keys, options)).map((value) => [value, undefined]);
}

/** `maxUpperTtl` in milliseconds, `Infinity` without one. @throws StoreConfigurationError */
function maxUpperMs(maxUpperTtl: Ttl | undefined): number {
  try {
    return (resolveTtl(maxUpperTtl) ?? Number.POSITIVE_INFINITY) * 1000;
  } catch (error) {
    const message = `maxUpperTtl must be a valid TTL, got ${String(maxUpperTtl)}`;
    throw new StoreConfigurationError({ message, cause: error });
  }
}

/**
 * A read or write in progress on keys of a collection (`undefined`: every key, or every
 * collection), and whether a write of some of them has overlapped it.
 */
interface Span {
  readonly collection: string | undefined;
  readonly keys: ReadonlySet<string> | undefined;
  readonly writes: boolean;
  stale: boolean;
}

/**
 * The reads and writes in progress. A read overlapped by a write of one of its keys may hold the
 * value the write replaced, so it copies nothing up; a write overlapped by another write may
 * have left the older value in an upper tier, so it drops its keys there.
 */
class Spans {
  readonly #open = new Set<Span>();

  /** Opens a span, stale at once when a write of its keys is in progress. */
  open(collection: string | undefined, keys: readonly string[] | undefined, writes: boolean): Span {
    const span: Span = {
      collection,
      keys: keys === undefined ? undefined : new Set(keys),
      writes,
      stale: false,
    };
    for (const other of this.#open) {
      if (!overlap(span, other)) continue;
      if (other.writes) span.stale = true;
      if (writes) other.stale = true;
    }
    this.#open.add(span);
    return span;
  }

  close(span: Span): void {
    this.#open.delete(span);
  }

  /** Marks stale every span on the keys another process changed. */
  invalidate(collection: string, keys: readonly string[] | undefined): void {
    const change: Span = {
      collection,
      keys: keys === undefined ? undefined : new Set(keys),
      writes: true,
      stale: false,
    };
    for (const other of this.#open) if (overlap(change, other)) other.stale = true;
  }
}

function overlap(a: Span, b: Span): boolean {
  if (a.collection !== undefined && b.collection !== undefined && a.collection !== b.collection) {
    return false;
  }
  if (a.keys === undefined || b.keys === undefined) return true;
  const [fewer, more] = a.keys.size <= b.keys.size ? [a.keys, b.keys] : [b.keys, a.keys];
  for (const key of fewer) if (more.has(key)) return true;
  return false;
}

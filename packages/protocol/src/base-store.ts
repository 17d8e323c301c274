import { type Clock, systemClock } from "./clock.ts";
import {
  KeyValueError,
  type KeyValueErrorOptions,
  messageOf,
  type Operation,
  StoreClosedError,
  StoreConnectionError,
  StoreSetupError,
  toStoreError,
} from "./errors.ts";
import {
  type CollectionOptions,
  DEFAULT_COLLECTION,
  type Entry,
  type KeyValue,
  type PutOptions,
  type Value,
  type ValueWithTtl,
} from "./key-value.ts";
import { createEntry, isExpired, type ManagedEntry, remainingTtl } from "./managed-entry.ts";
import { isPromiseLike, type MaybePromise } from "./maybe-promise.ts";
import { ReadBatcher } from "./read-batcher.ts";
import { dataMethods, systemNameOfClass, traceMethods } from "./tracing.ts";
import {
  resolveTtl,
  targetCollection,
  validateCollection,
  validateKey,
  validateKeys,
  validateValue,
} from "./validation.ts";

/** Options every store accepts. */
export interface BaseStoreOptions {
  /** The collection used when a call names none. @default "default_collection" */
  defaultCollection?: string | undefined;
  /** The time source for expiry. @default the system clock */
  clock?: Clock | undefined;
}

/** Where an error happened, for `mapError`. */
export type ErrorContext = Omit<KeyValueErrorOptions, "message" | "cause">;

/**
 * The template every store extends. Public methods validate their input (so nothing is written
 * when any of it is bad), run the one-time setup, call the `protected` backend hooks, filter out
 * expired entries, and turn backend failures into `StoreError`s via `mapError`.
 *
 * A store implements `getEntry`, `putEntry` and `deleteEntry`, and overrides `getEntries`,
 * `putEntries` and `deleteEntries` where the backend has a native bulk call. Bulk hooks receive
 * distinct keys only. A store offers optional capabilities by extending `storeWith(...)` instead
 * and implementing one protected hook per capability; `iterate` and `guard` give any other
 * method of its own the same setup and error handling.
 */
export abstract class BaseStore implements KeyValue {
  /** The collection used when a call names none. */
  readonly defaultCollection: string;
  /**
   * The backend, named as OpenTelemetry's `db.system.name` would (`"redis"`, `"mongodb"` ...):
   * by default the class name without `Store`, in lower case. A store may override it.
   */
  readonly systemName: string;
  /** The time source used for expiry. */
  protected readonly clock: Clock;
  #storeReady = false;
  #closed = false;
  #storeSetup: Promise<void> | undefined;
  readonly #readyCollections = new Set<string>();
  readonly #collectionSetups = new Map<string, Promise<void>>();
  #batchedReads: { flush(): void } | undefined;

  /** @throws InvalidKeyError when `defaultCollection` is not a valid collection name */
  constructor(options: BaseStoreOptions = {}) {
    const defaultCollection = options.defaultCollection ?? DEFAULT_COLLECTION;
    validateCollection(defaultCollection);
    this.defaultCollection = defaultCollection;
    this.systemName = systemNameOfClass(new.target.name);
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Reads the entry for one key, or `undefined`. Expired entries may be returned; they are
   * filtered. Like the other single-key hooks, it may return its result directly when it has it
   * at once (an in-process backend): the call then finishes without waiting a turn.
   */
  protected abstract getEntry(
    collection: string,
    key: string,
  ): MaybePromise<ManagedEntry | undefined>;

  /** Writes one entry. `entry.expiresAt` says when it expires. */
  protected abstract putEntry(
    collection: string,
    key: string,
    entry: ManagedEntry,
  ): MaybePromise<void>;

  /** Deletes one key; `true` when something was removed. */
  protected abstract deleteEntry(collection: string, key: string): MaybePromise<boolean>;

  /** Reads many distinct keys. Override with the backend's native multi-get. */
  protected getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    return Promise.all(keys.map((key) => this.getEntry(collection, key)));
  }

  /** Writes many entries with distinct keys. Override with the backend's native batch write. */
  protected async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    await Promise.all(entries.map(([key, entry]) => this.putEntry(collection, key, entry)));
  }

  /** Deletes many distinct keys; returns how many were removed. Override with a native batch. */
  protected async deleteEntries(collection: string, keys: readonly string[]): Promise<number> {
    const removed = await Promise.all(keys.map((key) => this.deleteEntry(collection, key)));
    return removed.filter(Boolean).length;
  }

  /** Prepares the backend once per store (connect, create a table ...). Retried after a failure. */
  protected setup(): Promise<void> {
    return Promise.resolve();
  }

  /** Prepares one collection once (create an index ...). Retried after a failure. */
  protected setupCollection(_collection: string): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Turns a backend failure into a `KeyValueError`. The default keeps `KeyValueError`s and wraps
   * anything else in `StoreError`; stores override it to recognise connection failures.
   */
  protected mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toStoreError(error, context);
  }

  /** @inheritdoc */
  async get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    const collection = this.resolveCollection(options, "get");
    validateKey(key, { operation: "get", collection });
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      const found = this.getEntry(collection, key);
      const entry = isPromiseLike(found) ? await found : found;
      if (entry === undefined) return undefined;
      return entry.expiresAt !== undefined && entry.expiresAt <= this.clock.now()
        ? undefined
        : entry.value;
    } catch (error) {
      throw this.mapError(error, { operation: "get", collection, key });
    }
  }

  /** @inheritdoc */
  async getMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<(Value | undefined)[]> {
    const entries = await this.readLiveEntries(keys, options, "getMany");
    return entries.map((entry) => entry?.value);
  }

  /** @inheritdoc */
  async ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    const collection = this.resolveCollection(options, "ttl");
    validateKey(key, { operation: "ttl", collection });
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      const found = this.getEntry(collection, key);
      return this.#withTtl(isPromiseLike(found) ? await found : found);
    } catch (error) {
      throw this.mapError(error, { operation: "ttl", collection, key });
    }
  }

  /** @inheritdoc */
  async ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]> {
    const entries = await this.readLiveEntries(keys, options, "ttlMany");
    return entries.map((entry) => this.#withTtl(entry));
  }

  /** @inheritdoc */
  async put(key: string, value: Value, options?: PutOptions): Promise<void> {
    const collection = this.resolveCollection(options, "put");
    const context = { operation: "put", collection, key } as const;
    validateKey(key, context);
    const ttl = options?.ttl === undefined ? undefined : resolveTtl(options.ttl, context);
    validateValue(value, context);
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      const written = this.putEntry(collection, key, createEntry(value, ttl, this.clock.now()));
      if (isPromiseLike(written)) await written;
    } catch (error) {
      throw this.mapError(error, context);
    }
  }

  /** @inheritdoc */
  async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    const collection = this.resolveCollection(options, "putMany");
    const ttl = resolveTtl(options?.ttl, { operation: "putMany", collection });
    if (!Array.isArray(entries)) {
      throw new TypeError("putMany expects an array of [key, value] pairs");
    }
    for (const [key, value] of entries) {
      const context = { operation: "putMany", collection, key } as const;
      validateKey(key, context);
      validateValue(value, context);
    }
    if (entries.length === 0) return;
    const now = this.clock.now();
    const managed = distinctEntries(entries).map(
      ([key, value]) => [key, createEntry(value, ttl, now)] as const,
    );
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      await this.putEntries(collection, managed);
    } catch (error) {
      throw this.mapError(error, { operation: "putMany", collection, key: managed[0]?.[0] });
    }
  }

  /** @inheritdoc */
  async delete(key: string, options?: CollectionOptions): Promise<boolean> {
    const collection = this.resolveCollection(options, "delete");
    validateKey(key, { operation: "delete", collection });
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      const removed = this.deleteEntry(collection, key);
      return isPromiseLike(removed) ? await removed : removed;
    } catch (error) {
      throw this.mapError(error, { operation: "delete", collection, key });
    }
  }

  /** @inheritdoc */
  async deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    const collection = this.resolveCollection(options, "deleteMany");
    const unique = this.#distinctKeys(keys, "deleteMany", collection);
    if (unique.length === 0) return 0;
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      return await this.deleteEntries(collection, unique);
    } catch (error) {
      throw this.mapError(error, { operation: "deleteMany", collection, key: unique[0] });
    }
  }

  /**
   * A batcher of this store's single reads, for its `getEntry` hook: the reads of one turn of the
   * event loop go to the backend together, through `readMany` (one alone through `readOne`).
   * BaseStore sends the queued reads before every other call reaches a hook (writes, bulk reads,
   * listings, capabilities, `close`): batching never holds a read back behind a later write. Call
   * it once, in the constructor.
   */
  protected batchReads<K, R>(
    readOne: (key: K) => MaybePromise<R>,
    readMany: (keys: readonly K[]) => MaybePromise<readonly R[]>,
  ): ReadBatcher<K, R> {
    const batcher = new ReadBatcher(readOne, readMany);
    this.#batchedReads = batcher;
    return batcher;
  }

  /** True once `close()` has begun: every later call throws `StoreClosedError`. */
  protected get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Marks the store closed, so every later call throws `StoreClosedError`, then runs `release`
   * (the store's own clean-up) once. A second call does nothing.
   * @throws what `mapError` makes of a failure of `release`
   */
  protected async closeWith(release: () => Promise<void>): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.forgetSetup();
    try {
      this.#batchedReads?.flush();
      await release();
    } catch (error) {
      throw this.mapError(error, { operation: "close" });
    }
  }

  /** Closes the store when it has a `close()` method; a no-op otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    const close = (this as { close?: () => Promise<void> }).close;
    if (typeof close === "function") await close.call(this);
  }

  /**
   * The collection a call targets: `options.collection`, or the default.
   * @throws InvalidKeyError when the name is not a valid collection name
   */
  protected resolveCollection(
    options: CollectionOptions | undefined,
    operation: Operation,
  ): string {
    return targetCollection(options, this.defaultCollection, operation);
  }

  /**
   * Runs a capability call with the store's setup (and the collection's, when given, unless
   * `prepare` is `"store"`) and error mapping; errors name the collection either way.
   * @throws what `mapError` makes of a failure
   */
  protected async guard<T>(
    operation: Operation,
    collection: string | undefined,
    call: () => Promise<T>,
    prepare: "collection" | "store" = "collection",
  ): Promise<T> {
    try {
      if (collection === undefined || prepare === "store") await this.#prepareStore();
      else if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      return await call();
    } catch (error) {
      throw this.mapError(
        error,
        collection === undefined ? { operation } : { operation, collection },
      );
    }
  }

  /**
   * Runs a call on one key with the collection's setup and error mapping (errors name the key).
   * @throws what `mapError` makes of a failure
   */
  protected async guardKey<T>(
    operation: Operation,
    collection: string,
    key: string,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      return await call();
    } catch (error) {
      throw this.mapError(error, { operation, collection, key });
    }
  }

  /**
   * Wraps an enumeration from the backend with the store's setup and error mapping.
   * @throws what `mapError` makes of a failure
   */
  protected async *iterate<T>(
    operation: Operation,
    collection: string | undefined,
    source: () => AsyncIterable<T>,
  ): AsyncGenerator<T, void, undefined> {
    const context: ErrorContext =
      collection === undefined ? { operation } : { operation, collection };
    try {
      if (collection === undefined) await this.#prepareStore();
      else if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      yield* source();
    } catch (error) {
      throw this.mapError(error, context);
    }
  }

  /** Forgets that a collection was set up, so the next call sets it up again (after dropping it). */
  protected forgetCollection(collection: string): void {
    this.#readyCollections.delete(collection);
    this.#collectionSetups.delete(collection);
  }

  /** Forgets every setup, so the next call sets the store up again (after destroying it). */
  protected forgetSetup(): void {
    this.#storeReady = false;
    this.#storeSetup = undefined;
    this.#readyCollections.clear();
    this.#collectionSetups.clear();
  }

  /**
   * The live entries of `keys`, in order: validated, de-duplicated for the `getEntries` hook, and
   * with expired entries as `undefined`.
   * @throws InvalidKeyError, what `mapError` makes of a failure
   */
  protected async readLiveEntries(
    keys: readonly string[],
    options: CollectionOptions | undefined,
    operation: Operation,
  ): Promise<(ManagedEntry | undefined)[]> {
    const collection = this.resolveCollection(options, operation);
    const unique = this.#distinctKeys(keys, operation, collection);
    if (unique.length === 0) return [];
    let found: (ManagedEntry | undefined)[];
    try {
      if (!this.#readyCollections.has(collection)) await this.#prepare(collection);
      this.#batchedReads?.flush();
      found = await this.getEntries(collection, unique);
    } catch (error) {
      throw this.mapError(error, { operation, collection, key: unique[0] });
    }
    const now = this.clock.now();
    if (unique.length === keys.length) return found.map((entry) => liveAt(entry, now));
    const byKey = new Map(unique.map((key, index) => [key, found[index]]));
    return keys.map((key) => liveAt(byKey.get(key), now));
  }

  #withTtl(entry: ManagedEntry | undefined): ValueWithTtl {
    const now = this.clock.now();
    if (entry === undefined || isExpired(entry, now)) return [undefined, undefined];
    return [entry.value, remainingTtl(entry, now)];
  }

  #distinctKeys(keys: readonly string[], operation: Operation, collection: string): string[] {
    validateKeys(keys, { operation, collection });
    const unique = new Set(keys);
    return unique.size === keys.length ? (keys as string[]) : Array.from(unique);
  }

  async #prepare(collection: string): Promise<void> {
    await this.#prepareStore();
    let pending = this.#collectionSetups.get(collection);
    if (pending === undefined) {
      pending = this.#runSetup(() => this.setupCollection(collection), collection);
      this.#collectionSetups.set(collection, pending);
    }
    await pending;
    this.#readyCollections.add(collection);
  }

  async #prepareStore(): Promise<void> {
    if (this.#storeReady) return;
    if (this.#closed) throw new StoreClosedError();
    this.#storeSetup ??= this.#runSetup(() => this.setup(), undefined);
    await this.#storeSetup;
    this.#storeReady = true;
  }

  async #runSetup(step: () => Promise<void>, collection: string | undefined): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (collection === undefined) this.#storeSetup = undefined;
      else this.#collectionSetups.delete(collection);
      if (KeyValueError.isInstance(error)) throw error;
      const context: ErrorContext = { operation: "setup", collection };
      const mapped = this.mapError(error, context);
      if (StoreConnectionError.isInstance(mapped)) throw mapped;
      throw new StoreSetupError({ ...context, message: messageOf(error), cause: error });
    }
  }
}

traceMethods(BaseStore.prototype, dataMethods);

/** The entries with distinct keys, in order, keeping the last value of a repeated key. */
function distinctEntries(entries: readonly Entry[]): readonly Entry[] {
  const keys = new Set<string>();
  for (const [key] of entries) keys.add(key);
  if (keys.size === entries.length) return entries;
  const latest = new Map<string, Value>();
  for (const [key, value] of entries) {
    latest.delete(key);
    latest.set(key, value);
  }
  return Array.from(latest);
}

/** The entry unless it is missing or expired at `now`. */
function liveAt(entry: ManagedEntry | undefined, now: number): ManagedEntry | undefined {
  return entry === undefined || isExpired(entry, now) ? undefined : entry;
}

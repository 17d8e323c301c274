/**
 * A stored value: a JSON object whose contents survive `JSON.stringify` / `JSON.parse`.
 * Nested values may be strings, finite numbers, booleans, `null`, arrays and plain objects.
 */
export type Value = { [key: string]: unknown };

/** The collection used when a call names none. */
export const DEFAULT_COLLECTION = "default_collection";

/** Selects the collection a call works on. */
export interface CollectionOptions {
  /** The collection; a non-empty string. @default the store's default collection ("default_collection") */
  collection?: string | undefined;
}

/**
 * A time to live. A number is seconds (positive, finite, fractions allowed: `60` is one minute,
 * not 60 ms); a string is a duration for people, such as `"30s"`, `"5m"`, `"1 hour"`, `"2h30m"`.
 * At most 100 years.
 */
export type Ttl = number | string;

/** Options for `put` and `putMany`. */
export interface PutOptions extends CollectionOptions {
  /** Time until the entry expires: a number of seconds or a duration such as `"5m"`. `undefined` never expires. */
  ttl?: Ttl | undefined;
}

/** A value together with its remaining time to live in seconds (`undefined`: never expires). */
export type ValueWithTtl = [value: Value | undefined, ttl: number | undefined];

/** One entry for `putMany`. */
export type Entry = readonly [key: string, value: Value];

/**
 * The async key-value interface every store and wrapper implements.
 *
 * Keys and collections are non-empty strings; collections are fully isolated from each other.
 * A missing or expired key reads as `undefined`, and reads return copies.
 * Every method may throw `InvalidKeyError` for a bad key or collection name, and `StoreError`
 * (`StoreConnectionError` when the backend is unreachable) with the driver's error as `cause`.
 */
export interface KeyValue {
  /**
   * Reads one value.
   * @returns the value, or `undefined` when the key is missing or expired.
   * @throws InvalidKeyError, StoreError, DeserializationError
   */
  get(key: string, options?: CollectionOptions): Promise<Value | undefined>;

  /**
   * Reads many values in one call (natively batched where the backend can).
   * @returns one result per key, in the order given; duplicates are answered each time.
   * @throws InvalidKeyError, StoreError, DeserializationError
   */
  getMany(keys: readonly string[], options?: CollectionOptions): Promise<(Value | undefined)[]>;

  /**
   * Reads one value with its remaining time to live in seconds.
   * @throws InvalidKeyError, StoreError, DeserializationError
   */
  ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl>;

  /**
   * Reads many values with their remaining times to live, in the order given.
   * @throws InvalidKeyError, StoreError, DeserializationError
   */
  ttlMany(keys: readonly string[], options?: CollectionOptions): Promise<ValueWithTtl[]>;

  /**
   * Writes one value, replacing any previous one and its expiry. `options.ttl` is a number of
   * seconds (not milliseconds) or a duration such as `"5m"`; without it the entry never expires.
   * @throws InvalidKeyError, InvalidTtlError, SerializationError (nothing is written), StoreError
   */
  put(key: string, value: Value, options?: PutOptions): Promise<void>;

  /**
   * Writes many values with one TTL (`options.ttl`: a number of seconds, not milliseconds, or a
   * duration such as `"5m"`); a later duplicate key wins. All input is validated before anything
   * is written.
   * @throws InvalidKeyError, InvalidTtlError, SerializationError (nothing is written), StoreError
   */
  putMany(entries: readonly Entry[], options?: PutOptions): Promise<void>;

  /**
   * Deletes one key.
   * @returns `true` when an entry was removed.
   * @throws InvalidKeyError, StoreError
   */
  delete(key: string, options?: CollectionOptions): Promise<boolean>;

  /**
   * Deletes many keys.
   * @returns how many distinct keys had an entry that was removed.
   * @throws InvalidKeyError, StoreError
   */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number>;
}

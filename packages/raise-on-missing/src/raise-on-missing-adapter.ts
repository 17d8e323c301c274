import type {
  CollectionOptions,
  Entry,
  KeyValue,
  Operation,
  PutOptions,
  Value,
  ValueWithTtl,
} from "@kv/protocol";
import { MissingKeyError } from "./missing-key-error.ts";
import { StoreAdapter } from "./store-adapter.ts";

/** Options of `RaiseOnMissingAdapter`. */
export interface RaiseOnMissingAdapterOptions {
  /** The collection used when a call names none. @default the store's default collection */
  defaultCollection?: string | undefined;
}

/** Options of the adapter's reads. */
export interface RaiseOnMissingReadOptions extends CollectionOptions {
  /** Throw `MissingKeyError` when a key is missing or expired; `false` reads it as `undefined`. @default true */
  throwOnMissing?: boolean | undefined;
}

/** Read options that keep the default: a missing key throws. */
type ThrowingOptions = CollectionOptions & { throwOnMissing?: true | undefined };
/** Read options that switch back to `undefined` for missing keys. */
type LenientOptions = CollectionOptions & { throwOnMissing: false };

/**
 * Reads that throw `MissingKeyError` instead of returning `undefined`, on any `KeyValue`. A bulk
 * read throws once, naming every missing key. Writes and deletes are passed through.
 */
export class RaiseOnMissingAdapter extends StoreAdapter {
  /** @throws InvalidKeyError for a bad `defaultCollection` */
  constructor(store: KeyValue, options: RaiseOnMissingAdapterOptions = {}) {
    super(store, options.defaultCollection);
  }

  /**
   * Reads one value.
   * @throws MissingKeyError when the key is missing or expired (unless `throwOnMissing: false`), InvalidKeyError, StoreError
   */
  async get(key: string, options?: ThrowingOptions): Promise<Value>;
  async get(key: string, options: LenientOptions): Promise<Value | undefined>;
  async get(key: string, options?: RaiseOnMissingReadOptions): Promise<Value | undefined>;
  async get(key: string, options?: RaiseOnMissingReadOptions): Promise<Value | undefined> {
    const value = await this.store.get(key, this.target(options));
    if (value === undefined) this.missing("get", [key], options);
    return value;
  }

  /**
   * Reads many values, in the order given.
   * @throws MissingKeyError naming every missing key (unless `throwOnMissing: false`), InvalidKeyError, StoreError
   */
  async getMany(keys: readonly string[], options?: ThrowingOptions): Promise<Value[]>;
  async getMany(keys: readonly string[], options: LenientOptions): Promise<(Value | undefined)[]>;
  async getMany(
    keys: readonly string[],
    options?: RaiseOnMissingReadOptions,
  ): Promise<(Value | undefined)[]>;
  async getMany(
    keys: readonly string[],
    options?: RaiseOnMissingReadOptions,
  ): Promise<(Value | undefined)[]> {
    const values = await this.store.getMany(keys, this.target(options));
    const absent = keys.filter((_, index) => values[index] === undefined);
    if (absent.length > 0) this.missing("getMany", [...new Set(absent)], options);
    return values;
  }

  /**
   * Reads one value with its remaining time to live in seconds (`undefined`: never expires).
   * @throws MissingKeyError when the key is missing or expired (unless `throwOnMissing: false`), InvalidKeyError, StoreError
   */
  async ttl(
    key: string,
    options?: ThrowingOptions,
  ): Promise<[value: Value, ttl: number | undefined]>;
  async ttl(key: string, options: LenientOptions): Promise<ValueWithTtl>;
  async ttl(key: string, options?: RaiseOnMissingReadOptions): Promise<ValueWithTtl>;
  async ttl(key: string, options?: RaiseOnMissingReadOptions): Promise<ValueWithTtl> {
    const found = await this.store.ttl(key, this.target(options));
    if (found[0] === undefined) this.missing("ttl", [key], options);
    return found;
  }

  /**
   * Reads many values with their remaining times to live, in the order given.
   * @throws MissingKeyError naming every missing key (unless `throwOnMissing: false`), InvalidKeyError, StoreError
   */
  async ttlMany(
    keys: readonly string[],
    options?: ThrowingOptions,
  ): Promise<[value: Value, ttl: number | undefined][]>;
  async ttlMany(keys: readonly string[], options: LenientOptions): Promise<ValueWithTtl[]>;
  async ttlMany(
    keys: readonly string[],
    options?: RaiseOnMissingReadOptions,
  ): Promise<ValueWithTtl[]>;
  async ttlMany(
    keys: readonly string[],
    options?: RaiseOnMissingReadOptions,
  ): Promise<ValueWithTtl[]> {
    const found = await this.store.ttlMany(keys, this.target(options));
    const absent = keys.filter((_, index) => found[index]?.[0] === undefined);
    if (absent.length > 0) this.missing("ttlMany", [...new Set(absent)], options);
    return found;
  }

  /**
   * Writes one value. `options.ttl` is a number of seconds (not milliseconds) or a duration such
   * as `"5m"`.
   * @throws InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  put(key: string, value: Value, options?: PutOptions): Promise<void> {
    return this.store.put(key, value, this.writeTarget(options));
  }

  /**
   * Writes many values with one TTL: a number of seconds (not milliseconds) or a duration such as
   * `"5m"`.
   * @throws InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    return this.store.putMany(entries, this.writeTarget(options));
  }

  private missing(
    operation: Operation,
    keys: readonly string[],
    options: RaiseOnMissingReadOptions | undefined,
  ): void {
    if (options?.throwOnMissing === false) return;
    throw new MissingKeyError({ operation, collection: this.collectionOf(options), keys });
  }
}

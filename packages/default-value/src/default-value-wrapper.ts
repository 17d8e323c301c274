import {
  BaseWrapper,
  type CollectionOptions,
  type KeyValue,
  messageOf,
  resolveTtl,
  type Ttl,
  type Value,
  type ValueWithTtl,
  validateValue,
} from "@kv/protocol";

/** Options of `DefaultValueWrapper`. */
export interface DefaultValueWrapperOptions {
  /** The value a missing key reads as: a JSON object. Each read returns a fresh copy. */
  defaultValue: Value;
  /**
   * The TTL `ttl()` and `ttlMany()` report with the default value, in seconds or as a duration
   * such as `"5m"`. @default undefined (reported as never expiring)
   */
  defaultTtl?: Ttl | undefined;
}

/**
 * Makes a missing or expired key read as a default value instead of `undefined`, in `get`,
 * `getMany`, `ttl` and `ttlMany` (which report `defaultTtl` with it). The default is never
 * written to the inner store, and every read returns a fresh copy of it, so mutating one never
 * changes the next. Writes, deletes and capabilities pass through untouched.
 */
export class DefaultValueWrapper extends BaseWrapper {
  private readonly json: string;
  private readonly defaultTtl: number | undefined;

  /**
   * @throws TypeError when `defaultValue` is not a JSON object
   * @throws RangeError when `defaultTtl` is not a positive number of seconds (up to 100 years) or a duration
   */
  constructor(store: KeyValue, options: DefaultValueWrapperOptions) {
    super(store);
    try {
      validateValue(options?.defaultValue);
    } catch (error) {
      throw new TypeError(`defaultValue: ${messageOf(error)}`, { cause: error });
    }
    this.json = JSON.stringify(options.defaultValue);
    try {
      this.defaultTtl = resolveTtl(options.defaultTtl);
    } catch (error) {
      throw new RangeError(`defaultTtl: ${messageOf(error)}`, { cause: error });
    }
  }

  /** The stored value, or a copy of the default when the key is missing. */
  override async get(key: string, options?: CollectionOptions): Promise<Value> {
    return (await super.get(key, options)) ?? this.fresh();
  }

  /** The stored values, with a copy of the default for each missing key. */
  override async getMany(keys: readonly string[], options?: CollectionOptions): Promise<Value[]> {
    const values = await super.getMany(keys, options);
    return values.map((value) => value ?? this.fresh());
  }

  /** The stored value and its TTL, or a copy of the default and `defaultTtl`. */
  override async ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    const found = await super.ttl(key, options);
    return found[0] === undefined ? [this.fresh(), this.defaultTtl] : found;
  }

  /** The stored values and their TTLs, with a copy of the default and `defaultTtl` for each missing key. */
  override async ttlMany(
    keys: readonly string[],
    options?: CollectionOptions,
  ): Promise<ValueWithTtl[]> {
    const found = await super.ttlMany(keys, options);
    return found.map((entry) => (entry[0] === undefined ? [this.fresh(), this.defaultTtl] : entry));
  }

  private fresh(): Value {
    return JSON.parse(this.json) as Value;
  }
}

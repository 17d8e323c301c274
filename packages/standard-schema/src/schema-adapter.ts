import {
  type CollectionOptions,
  type KeyValue,
  type KeyValueError,
  type Operation,
  type PutOptions,
  SerializationError,
  type Value,
  type ValueLocation,
} from "@kv/protocol";
import { StoreAdapter } from "@kv/raise-on-missing";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ENVELOPE_KEY } from "./envelope.ts";
import { toJsonForm } from "./json-form.ts";
import { ValidationError } from "./validation-error.ts";

/** What a read does with a stored value the schema rejects. */
export type InvalidDataPolicy = "throw" | "undefined" | "delete";

/** Options of a schema adapter. */
export interface SchemaAdapterOptions {
  /** The collection used when a call names none. @default the store's default collection */
  defaultCollection?: string | undefined;
  /**
   * What a read does with a stored value the schema rejects: `"throw"` a `ValidationError`,
   * return `undefined`, or `"delete"` the entry and return `undefined`.
   * @default "throw"
   */
  onInvalid?: InvalidDataPolicy | undefined;
  /**
   * Store each model as `{ "items": <model> }` (`true`) or as the object it is (`false`).
   * @default decided from the schema: wrapped unless its output is always a JSON object
   */
  wrapped?: boolean | undefined;
}

/** Options of the adapter's reads. */
export interface SchemaReadOptions extends CollectionOptions {
  /** Overrides the adapter's `onInvalid` for this call. @default the adapter's `onInvalid` */
  onInvalid?: InvalidDataPolicy | undefined;
}

/** What a schema made of a value: the result, or the issues that refuse it. */
export type SchemaOutcome<T, I extends StandardSchemaV1.Issue> =
  | { readonly value: T; readonly issues?: undefined }
  | { readonly issues: readonly I[] };

/**
 * The typed-model API shared by `StandardSchemaAdapter` and `ZodAdapter`: collections, the
 * `{ "items": ... }` envelope, `Date`s stored as ISO strings, `ValidationError` and the `onInvalid`
 * policy. A subclass says how its schema library turns a model into the form to store
 * (`encodeModel`) and a stored value back into a model (`decodeModel`).
 */
export abstract class SchemaAdapter<
  In,
  Out,
  I extends StandardSchemaV1.Issue,
> extends StoreAdapter {
  /** True when models are stored inside the `{ "items": ... }` envelope. */
  readonly wrapped: boolean;
  private readonly onInvalid: InvalidDataPolicy;

  /**
   * @param envelope decides from the schema whether models need the envelope, unless the
   *   options say
   * @throws InvalidKeyError for a bad `defaultCollection`, TypeError for an unknown `onInvalid`
   */
  constructor(store: KeyValue, options: SchemaAdapterOptions, envelope: () => boolean) {
    super(store, options.defaultCollection);
    this.onInvalid = checkPolicy(options.onInvalid ?? "throw");
    this.wrapped = options.wrapped ?? envelope();
  }

  /** Turns a model given to `put` into the form to store (`Date`s may stay), or its issues. */
  protected abstract encodeModel(
    model: In,
    location: ValueLocation,
  ): Promise<SchemaOutcome<unknown, I>>;

  /** Turns a stored value (the envelope already removed) back into a model, or its issues. */
  protected abstract decodeModel(stored: unknown): Promise<SchemaOutcome<Out, I>>;

  /** The error for a value the schema refuses; a subclass may throw its library's own class. */
  protected validationError(
    options: ValueLocation & { readonly issues: readonly I[] },
  ): KeyValueError {
    return new ValidationError(options);
  }

  /**
   * Reads one model.
   * @returns the model, or `undefined` when the key is missing, expired, or (by policy) invalid.
   * @throws ValidationError (policy `"throw"`), InvalidKeyError, StoreError
   */
  async get(key: string, options?: SchemaReadOptions): Promise<Out | undefined> {
    const value = await this.store.get(key, this.target(options));
    const [model] = await this.decode("get", [key], [value], options);
    return model;
  }

  /**
   * Reads many models, in the order given.
   * @throws ValidationError (policy `"throw"`, naming the first invalid key), InvalidKeyError, StoreError
   */
  async getMany(
    keys: readonly string[],
    options?: SchemaReadOptions,
  ): Promise<(Out | undefined)[]> {
    const values = await this.store.getMany(keys, this.target(options));
    return this.decode("getMany", keys, values, options);
  }

  /**
   * Reads one model with its remaining time to live in seconds (`undefined`: never expires).
   * @throws ValidationError (policy `"throw"`), InvalidKeyError, StoreError
   */
  async ttl(
    key: string,
    options?: SchemaReadOptions,
  ): Promise<[model: Out | undefined, ttl: number | undefined]> {
    const [value, ttl] = await this.store.ttl(key, this.target(options));
    const [model] = await this.decode("ttl", [key], [value], options);
    return model === undefined ? [undefined, undefined] : [model, ttl];
  }

  /**
   * Reads many models with their remaining times to live, in the order given.
   * @throws ValidationError (policy `"throw"`, naming the first invalid key), InvalidKeyError, StoreError
   */
  async ttlMany(
    keys: readonly string[],
    options?: SchemaReadOptions,
  ): Promise<[model: Out | undefined, ttl: number | undefined][]> {
    const found = await this.store.ttlMany(keys, this.target(options));
    const values = found.map(([value]) => value);
    const models = await this.decode("ttlMany", keys, values, options);
    return models.map((model, index) =>
      model === undefined ? [undefined, undefined] : [model, found[index]?.[1]],
    );
  }

  /**
   * Validates a model with the schema, then writes its stored form. A number TTL is in seconds.
   * @throws ValidationError (nothing is written), InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  async put(key: string, model: In, options?: PutOptions): Promise<void> {
    const value = await this.encode("put", key, model, options);
    await this.store.put(key, value, this.writeTarget(options));
  }

  /**
   * Validates every model, then writes them all in one call with one TTL (a number is seconds).
   * When any model is invalid, nothing is written.
   * @throws ValidationError (naming the first invalid key), InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  async putMany(
    entries: readonly (readonly [key: string, model: In])[],
    options?: PutOptions,
  ): Promise<void> {
    const values = await Promise.all(
      entries.map(
        async ([key, model]) => [key, await this.encode("putMany", key, model, options)] as const,
      ),
    );
    await this.store.putMany(values, this.writeTarget(options));
  }

  private location(operation: Operation, key: string, options?: CollectionOptions): ValueLocation {
    return { operation, collection: this.collectionOf(options), key };
  }

  private async encode(
    operation: Operation,
    key: string,
    model: In,
    options: PutOptions | undefined,
  ): Promise<Value> {
    const location = this.location(operation, key, options);
    const result = await this.encodeModel(model, location);
    if (result.issues !== undefined) {
      throw this.validationError({ ...location, issues: result.issues });
    }
    const stored = toJsonForm(result.value);
    if (this.wrapped) return { [ENVELOPE_KEY]: stored };
    if (isObject(stored)) return stored;
    throw new SerializationError({
      ...location,
      message:
        'The model is not a JSON object (store it as { "items": ... } with the option wrapped: true)',
    });
  }

  private async decode(
    operation: Operation,
    keys: readonly string[],
    values: readonly (Value | undefined)[],
    options: SchemaReadOptions | undefined,
  ): Promise<(Out | undefined)[]> {
    const results = await Promise.all(
      values.map((value) =>
        value === undefined
          ? undefined
          : this.decodeModel(this.wrapped ? value[ENVELOPE_KEY] : value),
      ),
    );
    const models: (Out | undefined)[] = [];
    const invalid: [key: string, issues: readonly I[]][] = [];
    for (const [index, result] of results.entries()) {
      if (result?.issues !== undefined) invalid.push([keys[index] ?? "", result.issues]);
      models.push(result?.issues === undefined ? result?.value : undefined);
    }
    const [first] = invalid;
    if (first === undefined) return models;
    const policy = checkPolicy(options?.onInvalid ?? this.onInvalid);
    if (policy === "throw") {
      throw this.validationError({
        ...this.location(operation, first[0], options),
        issues: first[1],
      });
    }
    if (policy === "delete") {
      await this.store.deleteMany(
        invalid.map(([key]) => key),
        this.target(options),
      );
    }
    return models;
  }
}

function checkPolicy(policy: unknown): InvalidDataPolicy {
  if (policy === "throw" || policy === "undefined" || policy === "delete") return policy;
  throw new TypeError(`onInvalid must be "throw", "undefined" or "delete", got ${String(policy)}`);
}

function isObject(value: unknown): value is Value {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

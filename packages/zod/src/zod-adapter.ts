import {
  type CollectionOptions,
  DEFAULT_COLLECTION,
  type KeyValue,
  type Operation,
  type PutOptions,
  SerializationError,
  type Value,
  validateCollection,
} from "@kv/protocol";
import {
  type $ZodIssue,
  type $ZodType,
  type input,
  type output,
  safeParseAsync,
} from "zod/v4/core";
import { ENVELOPE_KEY, needsEnvelope } from "./envelope.ts";
import { ValidationError } from "./validation-error.ts";

/** What a read does with a stored value the schema rejects. */
export type InvalidDataPolicy = "throw" | "undefined" | "delete";

/** Options of `ZodAdapter`. */
export interface ZodAdapterOptions {
  /** The collection used when a call names none. @default the store's default collection */
  defaultCollection?: string | undefined;
  /**
   * What a read does with a stored value the schema rejects: `"throw"` a `ValidationError`,
   * return `undefined`, or `"delete"` the entry and return `undefined`.
   * @default "throw"
   */
  onInvalid?: InvalidDataPolicy | undefined;
}

/** Options of the adapter's reads. */
export interface ZodReadOptions extends CollectionOptions {
  /** Overrides the adapter's `onInvalid` for this call. @default the adapter's `onInvalid` */
  onInvalid?: InvalidDataPolicy | undefined;
}

/**
 * Typed model storage on any `KeyValue`: writes are validated and transformed by a zod schema
 * before anything is stored, and reads are parsed back into the schema's output type. Schemas
 * whose output is not a JSON object are stored as `{ "items": <model> }`, as py-key-value does.
 */
export class ZodAdapter<S extends $ZodType> {
  /** The schema every model is parsed with, on writes and on reads. */
  readonly schema: S;
  /** The collection used when a call names none; `undefined` defers to the store's default. */
  readonly defaultCollection: string | undefined;
  /** True when models are stored inside the `{ "items": ... }` envelope. */
  readonly wrapped: boolean;
  private readonly store: KeyValue;
  private readonly onInvalid: InvalidDataPolicy;

  /** @throws InvalidKeyError for a bad `defaultCollection`, TypeError for an unknown `onInvalid` */
  constructor(store: KeyValue, schema: S, options: ZodAdapterOptions = {}) {
    if (options.defaultCollection !== undefined) validateCollection(options.defaultCollection);
    this.store = store;
    this.schema = schema;
    this.defaultCollection = options.defaultCollection;
    this.onInvalid = checkPolicy(options.onInvalid ?? "throw");
    this.wrapped = needsEnvelope(schema);
  }

  /**
   * Reads one model.
   * @returns the parsed model, or `undefined` when the key is missing, expired, or (by policy) invalid.
   * @throws ValidationError (policy `"throw"`), InvalidKeyError, StoreError
   */
  async get(key: string, options?: ZodReadOptions): Promise<output<S> | undefined> {
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
    options?: ZodReadOptions,
  ): Promise<(output<S> | undefined)[]> {
    const values = await this.store.getMany(keys, this.target(options));
    return this.decode("getMany", keys, values, options);
  }

  /**
   * Reads one model with its remaining time to live in seconds (`undefined`: never expires).
   * @throws ValidationError (policy `"throw"`), InvalidKeyError, StoreError
   */
  async ttl(
    key: string,
    options?: ZodReadOptions,
  ): Promise<[model: output<S> | undefined, ttl: number | undefined]> {
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
    options?: ZodReadOptions,
  ): Promise<[model: output<S> | undefined, ttl: number | undefined][]> {
    const found = await this.store.ttlMany(keys, this.target(options));
    const models = await this.decode(
      "ttlMany",
      keys,
      found.map(([value]) => value),
      options,
    );
    return models.map((model, index) =>
      model === undefined ? [undefined, undefined] : [model, found[index]?.[1]],
    );
  }

  /**
   * Validates and transforms a model with the schema, then writes its output.
   * @throws ValidationError (nothing is written), InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  async put(key: string, model: input<S>, options?: PutOptions): Promise<void> {
    const value = await this.encode("put", key, model, options);
    await this.store.put(key, value, { ...this.target(options), ttl: options?.ttl });
  }

  /**
   * Validates and transforms every model, then writes them all in one call with one TTL. When
   * any model is invalid, nothing is written.
   * @throws ValidationError (naming the first invalid key), InvalidKeyError, InvalidTtlError, SerializationError, StoreError
   */
  async putMany(
    entries: readonly (readonly [key: string, model: input<S>])[],
    options?: PutOptions,
  ): Promise<void> {
    const values = await Promise.all(
      entries.map(
        async ([key, model]) => [key, await this.encode("putMany", key, model, options)] as const,
      ),
    );
    await this.store.putMany(values, { ...this.target(options), ttl: options?.ttl });
  }

  /**
   * Deletes one model.
   * @returns `true` when an entry was removed.
   * @throws InvalidKeyError, StoreError
   */
  delete(key: string, options?: CollectionOptions): Promise<boolean> {
    return this.store.delete(key, this.target(options));
  }

  /**
   * Deletes many models.
   * @returns how many distinct keys had an entry that was removed.
   * @throws InvalidKeyError, StoreError
   */
  deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    return this.store.deleteMany(keys, this.target(options));
  }

  private target(options: CollectionOptions | undefined): CollectionOptions {
    return { collection: options?.collection ?? this.defaultCollection };
  }

  private collectionName(options: CollectionOptions | undefined): string {
    const collection = options?.collection ?? this.defaultCollection;
    if (collection !== undefined) return collection;
    const store = this.store;
    return "defaultCollection" in store && typeof store.defaultCollection === "string"
      ? store.defaultCollection
      : DEFAULT_COLLECTION;
  }

  private async encode(
    operation: Operation,
    key: string,
    model: input<S>,
    options: PutOptions | undefined,
  ): Promise<Value> {
    const result = await safeParseAsync(this.schema, model);
    if (!result.success) {
      throw new ValidationError({
        operation,
        collection: this.collectionName(options),
        key,
        issues: result.error.issues,
      });
    }
    if (this.wrapped) return { [ENVELOPE_KEY]: result.data };
    const output: unknown = result.data;
    if (isObject(output)) return output;
    throw new SerializationError({
      operation,
      collection: this.collectionName(options),
      key,
      message: "The schema's output is not a JSON object",
    });
  }

  private async decode(
    operation: Operation,
    keys: readonly string[],
    values: readonly (Value | undefined)[],
    options: ZodReadOptions | undefined,
  ): Promise<(output<S> | undefined)[]> {
    const results = await Promise.all(
      values.map((value) =>
        value === undefined
          ? undefined
          : safeParseAsync(this.schema, this.wrapped ? value[ENVELOPE_KEY] : value),
      ),
    );
    const models: (output<S> | undefined)[] = [];
    const invalid: [key: string, issues: $ZodIssue[]][] = [];
    for (const [index, result] of results.entries()) {
      if (result?.success === false) invalid.push([keys[index] ?? "", result.error.issues]);
      models.push(result?.success === true ? result.data : undefined);
    }
    const [first] = invalid;
    if (first === undefined) return models;
    const policy = checkPolicy(options?.onInvalid ?? this.onInvalid);
    if (policy === "throw") {
      throw new ValidationError({
        operation,
        collection: this.collectionName(options),
        key: first[0],
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

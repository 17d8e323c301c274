/** The operation a failed call was performing. */
export type Operation =
  | "get"
  | "getMany"
  | "ttl"
  | "ttlMany"
  | "put"
  | "putMany"
  | "delete"
  | "deleteMany"
  | "keys"
  | "collections"
  | "destroyCollection"
  | "destroy"
  | "cull"
  | "close"
  | "readEntries"
  | "writeEntries"
  | "putIfAbsent"
  | "getVersioned"
  | "putIfVersion"
  | "deleteIfVersion"
  | "increment"
  | "touch"
  | "setup";

/** What every error of this library may say about where it happened. */
export interface KeyValueErrorOptions {
  /** A human-readable description; a default per class is used when absent. */
  message?: string | undefined;
  /** The underlying error, usually the driver's. Kept unchanged. */
  cause?: unknown;
  /** The collection the call was for. */
  collection?: string | undefined;
  /** The key the call was for (or the first of several). */
  key?: string | undefined;
  /** The operation that failed. */
  operation?: Operation | undefined;
}

const brandPrefix = "@kv/error/";

function describeContext(options: KeyValueErrorOptions): string {
  const parts: string[] = [];
  if (options.operation !== undefined) parts.push(`operation: ${options.operation}`);
  if (typeof options.collection === "string")
    parts.push(`collection: ${truncate(options.collection)}`);
  if (typeof options.key === "string") parts.push(`key: ${truncate(options.key)}`);
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * True when `error` carries the brand of the error class `name`, from any copy of the package.
 * Error classes made by `defineError` use it for their `isInstance`.
 */
export function hasErrorBrand(error: unknown, name: string): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as Record<symbol, unknown>)[Symbol.for(brandPrefix + name)] === true
  );
}

/**
 * Brands an error instance as an instance of the error class `name`, so `hasErrorBrand`
 * recognises it across duplicate copies of a package. `defineError` does this for you.
 */
export function brandError(error: object, name: string): void {
  Object.defineProperty(error, Symbol.for(brandPrefix + name), { value: true });
}

/**
 * The base of every error this library throws. `code` is stable across versions; `transient`
 * says whether trying again later may succeed (an unreachable server) or never will (bad input,
 * a closed store); `isInstance` recognises errors from another copy of the package too.
 */
export class KeyValueError extends Error {
  /** The class name. */
  declare readonly name: string;
  /** A stable, machine-readable code such as `"INVALID_KEY"`. */
  declare readonly code: string;
  /** True when the same call may succeed later (the default `retryOn` and `fallbackOn`). */
  declare readonly transient: boolean;
  /** The collection the failed call was for, when known. */
  readonly collection: string | undefined;
  /** The key the failed call was for, when known. */
  readonly key: string | undefined;
  /** The operation that failed, when known. */
  readonly operation: Operation | undefined;

  constructor(options: KeyValueErrorOptions = {}, defaultMessage = "Key-value operation failed") {
    super(
      (options.message ?? defaultMessage) + describeContext(options),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.collection = typeof options.collection === "string" ? options.collection : undefined;
    this.key = typeof options.key === "string" ? options.key : undefined;
    this.operation = options.operation;
    brandError(this, "KeyValueError");
  }

  /** True for any error thrown by this library, from any copy of the package. */
  static isInstance(error: unknown): error is KeyValueError {
    return hasErrorBrand(error, "KeyValueError");
  }
}
setIdentity(KeyValueError, "KEY_VALUE_ERROR", false);

/**
 * An error class made by `defineError`: construct it with the usual context (plus its own
 * fields, `F`), and recognise its instances from any copy of the package with `isInstance`.
 */
export interface ErrorClass<E extends KeyValueError, F extends object = object> {
  new (
    ...options: object extends F
      ? [options?: KeyValueErrorOptions & F]
      : [options: KeyValueErrorOptions & F]
  ): E;
  readonly prototype: E;
  /** True for an instance of this class (or a subclass) from any copy of the package. */
  isInstance(error: unknown): error is E;
}

/** What `defineError` needs to know about an error class. */
export interface ErrorDefinition<F extends object> {
  /** The class name, also its `name` and its brand. */
  name: string;
  /** The stable machine-readable code. */
  code: string;
  /** The message when the caller gives none, fixed or made from the options. */
  message: string | ((options: KeyValueErrorOptions & F) => string);
  /** The class it extends. @default KeyValueError */
  parent?: ErrorClass<KeyValueError, object> | typeof KeyValueError | undefined;
  /** Whether the same call may succeed later. @default the parent's */
  transient?: boolean | undefined;
  /** The names of the extra fields the constructor copies from its options onto the error. */
  fields?: readonly (keyof F & string)[] | undefined;
}

/**
 * Defines a branded error class in one call: its name, code, default message, parent, whether
 * it is transient, and any extra fields. Pair it with an interface of the same name for its
 * instance type:
 *
 * ```ts
 * export interface QuotaError extends StoreError { readonly name: "QuotaError"; readonly limit: number }
 * export const QuotaError: ErrorClass<QuotaError, { limit: number }> = defineError({
 *   name: "QuotaError", code: "QUOTA", parent: StoreError, fields: ["limit"],
 *   message: (o) => `Over the quota of ${o.limit}`,
 * });
 * ```
 * @throws TypeError when `name` or `code` is empty
 */
export function defineError<E extends KeyValueError, F extends object = object>(
  definition: ErrorDefinition<F>,
): ErrorClass<E, F> {
  const { name, code, message, fields = [] } = definition;
  if (!name || !code) throw new TypeError("defineError needs a name and a code");
  const Parent = (definition.parent ?? KeyValueError) as typeof KeyValueError;
  const Defined = class extends Parent {
    constructor(options: KeyValueErrorOptions & F = {} as KeyValueErrorOptions & F) {
      const text = options.message ?? (typeof message === "function" ? message(options) : message);
      super({ ...options, message: text });
      const record = this as unknown as Record<string, unknown>;
      for (const field of fields) record[field] = options[field];
      brandError(this, name);
    }
    static override isInstance(error: unknown): error is KeyValueError {
      return hasErrorBrand(error, name);
    }
  };
  setIdentity(Defined, code, definition.transient ?? Parent.prototype.transient);
  Object.defineProperty(Defined, "name", { value: name });
  Object.defineProperty(Defined.prototype, "name", { value: name, writable: true });
  return Defined as unknown as ErrorClass<E, F>;
}

function setIdentity(target: typeof KeyValueError, code: string, transient: boolean): void {
  const properties = { code: { value: code }, transient: { value: transient } };
  Object.defineProperties(target.prototype, properties);
  if (target === KeyValueError) {
    Object.defineProperty(target.prototype, "name", { value: "KeyValueError", writable: true });
  }
}

/** A key or collection name is not acceptable (empty, not a string, or beyond a backend's limit). */
export interface InvalidKeyError extends KeyValueError {
  readonly name: "InvalidKeyError";
}
/** A key or collection name is not acceptable (empty, not a string, or beyond a backend's limit). */
export const InvalidKeyError: ErrorClass<InvalidKeyError> = defineError({
  name: "InvalidKeyError",
  code: "INVALID_KEY",
  message: "Invalid key or collection name",
});

/** A TTL is not a strictly positive, finite number of seconds (or is past the maximum). */
export interface InvalidTtlError extends KeyValueError {
  readonly name: "InvalidTtlError";
}
/** A TTL is not a strictly positive, finite number of seconds (or is past the maximum). */
export const InvalidTtlError: ErrorClass<InvalidTtlError> = defineError({
  name: "InvalidTtlError",
  code: "INVALID_TTL",
  message: "TTL must be a positive, finite number of seconds",
});

/** A value cannot be stored as JSON (BigInt, function, circular, too deep, not a plain object ...). */
export interface SerializationError extends KeyValueError {
  readonly name: "SerializationError";
}
/** A value cannot be stored as JSON (BigInt, function, circular, too deep, not a plain object ...). */
export const SerializationError: ErrorClass<SerializationError> = defineError({
  name: "SerializationError",
  code: "SERIALIZATION",
  message: "Value cannot be serialized as a JSON object",
});

/** Stored data is not a valid managed entry. */
export interface DeserializationError extends KeyValueError {
  readonly name: "DeserializationError";
}
/** Stored data is not a valid managed entry. */
export const DeserializationError: ErrorClass<DeserializationError> = defineError({
  name: "DeserializationError",
  code: "DESERIALIZATION",
  message: "Stored data is not a valid entry",
});

/** The backend failed. `cause` holds the driver's error. */
export interface StoreError extends KeyValueError {
  readonly name: string;
}
/** The backend failed. `cause` holds the driver's error. */
export const StoreError: ErrorClass<StoreError> = defineError({
  name: "StoreError",
  code: "STORE",
  message: "The store failed",
});

/** The backend is unreachable or timed out: a transient failure worth retrying. */
export interface StoreConnectionError extends StoreError {
  readonly name: "StoreConnectionError";
}
/** The backend is unreachable or timed out: a transient failure worth retrying. */
export const StoreConnectionError: ErrorClass<StoreConnectionError> = defineError({
  name: "StoreConnectionError",
  code: "STORE_CONNECTION",
  message: "The store could not be reached",
  parent: StoreError,
  transient: true,
});

/** Preparing the backend (a table, index, directory ...) failed. */
export interface StoreSetupError extends StoreError {
  readonly name: "StoreSetupError";
}
/** Preparing the backend (a table, index, directory ...) failed. */
export const StoreSetupError: ErrorClass<StoreSetupError> = defineError({
  name: "StoreSetupError",
  code: "STORE_SETUP",
  message: "The store could not be set up",
  parent: StoreError,
});

/** The store was used after `close()`: a programming error, never transient. */
export interface StoreClosedError extends KeyValueError {
  readonly name: "StoreClosedError";
}
/** The store was used after `close()`: a programming error, never transient. */
export const StoreClosedError: ErrorClass<StoreClosedError> = defineError({
  name: "StoreClosedError",
  code: "STORE_CLOSED",
  message: "The store is closed",
});

/**
 * A store's or wrapper's options cannot work (a malformed URL, a database index the server
 * refuses, conflicting or out-of-range options). Not transient: retrying cannot help.
 */
export interface StoreConfigurationError extends KeyValueError {
  readonly name: "StoreConfigurationError";
}
/**
 * A store's or wrapper's options cannot work (a malformed URL, a database index the server
 * refuses, conflicting or out-of-range options). Not transient: retrying cannot help.
 */
export const StoreConfigurationError: ErrorClass<StoreConfigurationError> = defineError({
  name: "StoreConfigurationError",
  code: "STORE_CONFIGURATION",
  message: "The store's configuration cannot work",
});

/** True for an error worth trying again later: a `KeyValueError` whose `transient` is true. */
export function isTransientError(error: unknown): boolean {
  return KeyValueError.isInstance(error) && error.transient === true;
}

/**
 * Returns `error` unchanged when it is already a `KeyValueError`; otherwise wraps it in `StoreError`
 * (with the error as `cause`). Stores call this so a `KeyValueError` is never wrapped twice.
 */
export function toStoreError(
  error: unknown,
  context: Omit<KeyValueErrorOptions, "cause">,
): KeyValueError {
  if (KeyValueError.isInstance(error)) return error;
  return new StoreError({ ...context, cause: error, message: messageOf(error) });
}

/** The message of an unknown thrown thing, for wrapping it. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

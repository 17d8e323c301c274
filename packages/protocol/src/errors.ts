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
 * Error classes outside this package (a wrapper's or an adapter's) use it for their `isInstance`.
 */
export function hasErrorBrand(error: unknown, name: string): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as Record<symbol, unknown>)[Symbol.for(brandPrefix + name)] === true
  );
}

/**
 * Brands an error instance as an instance of the error class `name` (call it in the class's
 * constructor), so `hasErrorBrand` recognises it across duplicate copies of a package.
 */
export function brandError(error: object, name: string): void {
  Object.defineProperty(error, Symbol.for(brandPrefix + name), { value: true });
}

/**
 * The base of every error this library throws. `code` is stable across versions;
 * `isInstance` recognises errors from another copy of the package too.
 */
export class KeyValueError extends Error {
  override readonly name: string = "KeyValueError";
  /** A stable, machine-readable code such as `"INVALID_KEY"`. */
  readonly code: string = "KEY_VALUE_ERROR";
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

/** A key or collection name is not acceptable (empty, not a string, or beyond a backend's limit). */
export class InvalidKeyError extends KeyValueError {
  override readonly name: string = "InvalidKeyError";
  override readonly code: string = "INVALID_KEY";
  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "Invalid key or collection name");
    brandError(this, this.name);
  }
  /** True for an `InvalidKeyError` from any copy of the package. */
  static override isInstance(error: unknown): error is InvalidKeyError {
    return hasErrorBrand(error, "InvalidKeyError");
  }
}

/** A TTL is not a strictly positive, finite number of seconds. */
export class InvalidTtlError extends KeyValueError {
  override readonly name: string = "InvalidTtlError";
  override readonly code: string = "INVALID_TTL";
  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "TTL must be a positive, finite number of seconds");
    brandError(this, this.name);
  }
  /** True for an `InvalidTtlError` from any copy of the package. */
  static override isInstance(error: unknown): error is InvalidTtlError {
    return hasErrorBrand(error, "InvalidTtlError");
  }
}

/** A value cannot be stored as JSON (BigInt, function, circular, not a plain object ...). */
export class SerializationError extends KeyValueError {
  override readonly name: string = "SerializationError";
  override readonly code: string = "SERIALIZATION";
  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "Value cannot be serialized as a JSON object");
    brandError(this, this.name);
  }
  /** True for a `SerializationError` from any copy of the package. */
  static override isInstance(error: unknown): error is SerializationError {
    return hasErrorBrand(error, "SerializationError");
  }
}

/** Stored data is not a valid managed entry. */
export class DeserializationError extends KeyValueError {
  override readonly name: string = "DeserializationError";
  override readonly code: string = "DESERIALIZATION";
  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "Stored data is not a valid entry");
    brandError(this, this.name);
  }
  /** True for a `DeserializationError` from any copy of the package. */
  static override isInstance(error: unknown): error is DeserializationError {
    return hasErrorBrand(error, "DeserializationError");
  }
}

/** The backend failed. `cause` holds the driver's error. */
export class StoreError extends KeyValueError {
  override readonly name: string = "StoreError";
  override readonly code: string = "STORE";
  constructor(options: KeyValueErrorOptions = {}, defaultMessage = "The store failed") {
    super(options, defaultMessage);
    brandError(this, "StoreError");
  }
  /** True for a `StoreError` (or subclass) from any copy of the package. */
  static override isInstance(error: unknown): error is StoreError {
    return hasErrorBrand(error, "StoreError");
  }
}

/** The backend is unreachable or timed out: a transient failure worth retrying. */
export class StoreConnectionError extends StoreError {
  override readonly name: string = "StoreConnectionError";
  override readonly code: string = "STORE_CONNECTION";
  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "The store could not be reached");
    brandError(this, this.name);
  }
  /** True for a `StoreConnectionError` from any copy of the package. */
  static override isInstance(error: unknown): error is StoreConnectionError {
    return hasErrorBrand(error, "StoreConnectionError");
  }
}

/** Preparing the backend (a table, index, directory ...) failed. */
export class StoreSetupError extends StoreError {
  override readonly name: string = "StoreSetupError";
  override readonly code: string = "STORE_SETUP";
  constructor(options: KeyValueErrorOptions = {}) {
    super(options, "The store could not be set up");
    brandError(this, this.name);
  }
  /** True for a `StoreSetupError` from any copy of the package. */
  static override isInstance(error: unknown): error is StoreSetupError {
    return hasErrorBrand(error, "StoreSetupError");
  }
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

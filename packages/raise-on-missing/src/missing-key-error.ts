import { KeyValueError, type KeyValueErrorOptions } from "@kv/protocol";

const brandName = "MissingKeyError";
const listedKeys = 10;

/** Options of `MissingKeyError`: the usual context plus every missing key. */
export interface MissingKeyErrorOptions extends KeyValueErrorOptions {
  /** Every key that was missing or expired. @default `[key]` when `key` is given */
  keys?: readonly string[] | undefined;
}

/** A read found no live entry for one or more keys. `keys` lists all of them, in call order. */
export class MissingKeyError extends KeyValueError {
  override readonly name = "MissingKeyError";
  override readonly code = "MISSING_KEY";
  /** Every key that was missing or expired, in the order asked for. */
  readonly keys: readonly string[];

  constructor(options: MissingKeyErrorOptions = {}) {
    const keys = options.keys ?? (options.key === undefined ? [] : [options.key]);
    super(
      { ...options, key: options.key ?? keys[0], message: options.message ?? describeKeys(keys) },
      "Key is missing",
    );
    this.keys = keys;
    Object.defineProperty(this, Symbol.for(`@kv/error/${brandName}`), { value: true });
  }

  /** True for a `MissingKeyError` from any copy of the package. */
  static override isInstance(error: unknown): error is MissingKeyError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[Symbol.for(`@kv/error/${brandName}`)] === true
    );
  }
}

function describeKeys(keys: readonly string[]): string {
  if (keys.length <= 1) return "Key is missing";
  const shown = keys.slice(0, listedKeys).map((key) => JSON.stringify(truncate(key)));
  const more = keys.length > listedKeys ? ` and ${keys.length - listedKeys} more` : "";
  return `${keys.length} keys are missing: ${shown.join(", ")}${more}`;
}

function truncate(key: string): string {
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}

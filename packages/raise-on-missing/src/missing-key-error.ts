import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";

const listedKeys = 10;

/** Options of `MissingKeyError`: the usual context plus every missing key. */
export interface MissingKeyErrorOptions extends KeyValueErrorOptions {
  /** Every key that was missing or expired. @default `[key]` when `key` is given */
  keys?: readonly string[] | undefined;
}

/** A read found no live entry for one or more keys. `keys` lists all of them, in call order. */
export interface MissingKeyError extends KeyValueError {
  readonly name: "MissingKeyError";
  /** Every key that was missing or expired, in the order asked for. */
  readonly keys: readonly string[];
}

const Defined: ErrorClass<MissingKeyError, { keys: readonly string[] }> = defineError({
  name: "MissingKeyError",
  code: "MISSING_KEY",
  fields: ["keys"],
  message: (options) => describeKeys(options.keys),
});

/** A read found no live entry for one or more keys. `keys` lists all of them, in call order. */
export const MissingKeyError: ErrorClass<MissingKeyError, MissingKeyErrorOptions> =
  class extends Defined {
    constructor(options: MissingKeyErrorOptions = {}) {
      const keys = options.keys ?? (options.key === undefined ? [] : [options.key]);
      super({ ...options, key: options.key ?? keys[0], keys });
    }
  };

function describeKeys(keys: readonly string[]): string {
  if (keys.length <= 1) return "Key is missing";
  const shown = keys.slice(0, listedKeys).map((key) => JSON.stringify(truncate(key)));
  const more = keys.length > listedKeys ? ` and ${keys.length - listedKeys} more` : "";
  return `${keys.length} keys are missing: ${shown.join(", ")}${more}`;
}

function truncate(key: string): string {
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}

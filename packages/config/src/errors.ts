import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  StoreConfigurationError,
} from "@kv/protocol";

/** Where a configuration problem is and what was wrong: every `ConfigError` carries these. */
export interface ConfigErrorFields {
  /** The configuration file, when the configuration came from one. */
  file?: string | undefined;
  /** The path inside the configuration, such as `stores.cache.config.url`. */
  path?: string | undefined;
  /** What was expected there. */
  expected?: string | undefined;
  /** What was found there (secrets redacted). */
  found?: string | undefined;
}

const configErrorFields = ["file", "path", "expected", "found"] as const;

/**
 * A configuration (a URL, a file or an object) cannot work. Thrown before anything connects;
 * the message names the file, the path, what was expected and what was found.
 */
export interface ConfigError extends KeyValueError {
  readonly name: string;
  readonly file: string | undefined;
  readonly path: string | undefined;
  readonly expected: string | undefined;
  readonly found: string | undefined;
}
/**
 * A configuration (a URL, a file or an object) cannot work. Thrown before anything connects;
 * the message names the file, the path, what was expected and what was found.
 */
export const ConfigError: ErrorClass<ConfigError, ConfigErrorFields> = defineError<
  ConfigError,
  ConfigErrorFields
>({
  name: "ConfigError",
  code: "CONFIG",
  parent: StoreConfigurationError,
  fields: configErrorFields,
  message: describe,
});

/** The message of a configuration error: `file: path: expected …, found …`. */
export function describe(fields: ConfigErrorFields): string {
  const where = [fields.file, fields.path].filter((part) => part !== undefined && part !== "");
  const what =
    fields.expected === undefined
      ? "invalid configuration"
      : `expected ${fields.expected}${fields.found === undefined ? "" : `, found ${fields.found}`}`;
  return where.length === 0 ? what : `${where.join(": ")}: ${what}`;
}

/**
 * Defines a subclass of `ConfigError`: it carries the fields every `ConfigError` carries plus
 * `fields`, and its message is `describe`'s unless `message` is given.
 */
function defineConfigError<E extends ConfigError, F extends object = object>(definition: {
  name: string;
  code: string;
  fields?: readonly (keyof F & string)[];
  message?: (options: ConfigErrorFields & F) => string;
}): ErrorClass<E, ConfigErrorFields & F> {
  const { fields = [], message = describe, ...identity } = definition;
  return defineError<E, ConfigErrorFields & F>({
    ...identity,
    parent: ConfigError,
    fields: [...configErrorFields, ...fields],
    message,
  });
}

/** A URL's scheme, or a configuration's `type`, names no registered store or wrapper. */
export interface UnknownTypeError extends ConfigError {
  readonly name: "UnknownTypeError";
}
/** A URL's scheme, or a configuration's `type`, names no registered store or wrapper. */
export const UnknownTypeError: ErrorClass<UnknownTypeError, ConfigErrorFields> = defineConfigError({
  name: "UnknownTypeError",
  code: "CONFIG_UNKNOWN_TYPE",
});

/** An option (a URL query parameter or a `config` field) the store or wrapper does not have. */
export interface UnknownOptionError extends ConfigError {
  readonly name: "UnknownOptionError";
  /** The closest known option name, when one is close. */
  readonly suggestion: string | undefined;
}
/** An option (a URL query parameter or a `config` field) the store or wrapper does not have. */
export const UnknownOptionError: ErrorClass<
  UnknownOptionError,
  ConfigErrorFields & { suggestion?: string | undefined }
> = defineConfigError({
  name: "UnknownOptionError",
  code: "CONFIG_UNKNOWN_OPTION",
  fields: ["suggestion"],
});

/** `${VAR}` names an environment variable that is not set, and gives no `:-default`. */
export interface MissingVariableError extends ConfigError {
  readonly name: "MissingVariableError";
  /** The variable's name. */
  readonly variable: string;
}
/** `${VAR}` names an environment variable that is not set, and gives no `:-default`. */
export const MissingVariableError: ErrorClass<
  MissingVariableError,
  ConfigErrorFields & { variable: string }
> = defineConfigError({
  name: "MissingVariableError",
  code: "CONFIG_MISSING_VARIABLE",
  fields: ["variable"],
});

/** Stores of a configuration refer to each other in a circle. */
export interface ConfigCycleError extends ConfigError {
  readonly name: "ConfigCycleError";
  /** The names around the circle, the first repeated at the end. */
  readonly cycle: readonly string[];
}
/** Stores of a configuration refer to each other in a circle. */
export const ConfigCycleError: ErrorClass<
  ConfigCycleError,
  ConfigErrorFields & { cycle: readonly string[] }
> = defineConfigError({ name: "ConfigCycleError", code: "CONFIG_CYCLE", fields: ["cycle"] });

/** A configuration file is not valid YAML or JSON; `line` and `column` are 1-based. */
export interface ConfigSyntaxError extends ConfigError {
  readonly name: "ConfigSyntaxError";
  /** The line of the problem. */
  readonly line: number | undefined;
  /** The column of the problem. */
  readonly column: number | undefined;
}
/** A configuration file is not valid YAML or JSON; `line` and `column` are 1-based. */
export const ConfigSyntaxError: ErrorClass<
  ConfigSyntaxError,
  ConfigErrorFields & { line?: number | undefined; column?: number | undefined }
> = defineConfigError({
  name: "ConfigSyntaxError",
  code: "CONFIG_SYNTAX",
  fields: ["line", "column"],
});

/** The package a store or wrapper lives in is not installed; `packageName` says what to install. */
export interface MissingPackageError extends ConfigError {
  readonly name: "MissingPackageError";
  /** The npm package to install, such as `@kv/redis`. */
  readonly packageName: string;
}
/** The package a store or wrapper lives in is not installed; `packageName` says what to install. */
export const MissingPackageError: ErrorClass<
  MissingPackageError,
  ConfigErrorFields & { packageName: string }
> = defineConfigError({
  name: "MissingPackageError",
  code: "CONFIG_MISSING_PACKAGE",
  fields: ["packageName"],
  message: (o) => `${describe(o)}: install ${o.packageName} (npm i ${o.packageName})`,
});

/** A store or wrapper name is registered already (pass `{ replace: true }` to replace it). */
export interface RegistryConflictError extends ConfigError {
  readonly name: "RegistryConflictError";
  /** The name registered twice. */
  readonly registeredName: string;
}
/** A store or wrapper name is registered already (pass `{ replace: true }` to replace it). */
export const RegistryConflictError: ErrorClass<
  RegistryConflictError,
  ConfigErrorFields & { registeredName: string }
> = defineConfigError({
  name: "RegistryConflictError",
  code: "CONFIG_REGISTRY_CONFLICT",
  fields: ["registeredName"],
  message: (o) =>
    `${JSON.stringify(o.registeredName)} is registered already; pass { replace: true } to replace it`,
});

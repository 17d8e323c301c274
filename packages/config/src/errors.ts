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
  fields: ["file", "path", "expected", "found"],
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

/** A URL's scheme, or a configuration's `type`, names no registered store or wrapper. */
export interface UnknownTypeError extends ConfigError {
  readonly name: "UnknownTypeError";
}
/** A URL's scheme, or a configuration's `type`, names no registered store or wrapper. */
export const UnknownTypeError: ErrorClass<UnknownTypeError, ConfigErrorFields> = defineError<
  UnknownTypeError,
  ConfigErrorFields
>({
  name: "UnknownTypeError",
  code: "CONFIG_UNKNOWN_TYPE",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found"],
  message: describe,
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
> = defineError<UnknownOptionError, ConfigErrorFields & { suggestion?: string | undefined }>({
  name: "UnknownOptionError",
  code: "CONFIG_UNKNOWN_OPTION",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found", "suggestion"],
  message: describe,
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
> = defineError<MissingVariableError, ConfigErrorFields & { variable: string }>({
  name: "MissingVariableError",
  code: "CONFIG_MISSING_VARIABLE",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found", "variable"],
  message: describe,
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
> = defineError<ConfigCycleError, ConfigErrorFields & { cycle: readonly string[] }>({
  name: "ConfigCycleError",
  code: "CONFIG_CYCLE",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found", "cycle"],
  message: describe,
});

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
> = defineError<
  ConfigSyntaxError,
  ConfigErrorFields & { line?: number | undefined; column?: number | undefined }
>({
  name: "ConfigSyntaxError",
  code: "CONFIG_SYNTAX",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found", "line", "column"],
  message: describe,
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
> = defineError<MissingPackageError, ConfigErrorFields & { packageName: string }>({
  name: "MissingPackageError",
  code: "CONFIG_MISSING_PACKAGE",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found", "packageName"],
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
> = defineError<RegistryConflictError, ConfigErrorFields & { registeredName: string }>({
  name: "RegistryConflictError",
  code: "CONFIG_REGISTRY_CONFLICT",
  parent: ConfigError,
  fields: ["file", "path", "expected", "found", "registeredName"],
  message: (o) =>
    `${JSON.stringify(o.registeredName)} is registered already; pass { replace: true } to replace it`,
});

import type { Operation, Value, ValueWithTtl } from "@kv/protocol";

/** A level a record is logged at; `"silent"` logs nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/**
 * What the wrapper logs through: any object with `debug`, `info`, `warn` and `error` methods that
 * take one object. pino, winston and `console` all fit as they are. When the logger has
 * `isLevelEnabled` (pino and winston do), no record is built for a level it would drop.
 */
export interface Logger {
  /** Logs a record at debug level. */
  debug(record: LogRecord): void;
  /** Logs a record at info level. */
  info(record: LogRecord): void;
  /** Logs a record at warn level. */
  warn(record: LogRecord): void;
  /** Logs a record at error level. */
  error(record: LogRecord): void;
  /** Says whether a record at `level` would be written. */
  isLevelEnabled?(level: string): boolean;
}

/**
 * One call, as logged: a fresh object for each call, which the logger may keep or change
 * (winston adds `level`). The message (`"kv get"`, `"kv get failed"`) is under `messageKey`.
 */
export interface LogRecord {
  /** The operation: `get`, `putMany`, `keys`, `destroyCollection` ... */
  operation: Operation;
  /** The collection, absent for calls on the whole store (`collections`, `destroy`, `cull`, `close`). */
  collection?: string;
  /** The key of a single-key call, unless `logKeys` is false. */
  key?: string;
  /** How many keys a bulk call named. */
  keyCount?: number;
  /** The bulk call's keys, only beside `values` (`logValues` and `logKeys` both true). */
  keys?: readonly string[];
  /** How long the call took, in milliseconds (microsecond precision). */
  durationMs: number;
  /** Whether the call succeeded. */
  outcome: "ok" | "error";
  /** `get` and `ttl`: whether the key had a value. */
  hit?: boolean;
  /** `getMany` and `ttlMany`: how many keys had a value. */
  hits?: number;
  /** `ttl`: the remaining seconds; `put` and `putMany`: the TTL asked for, as given. */
  ttl?: number | string;
  /** `delete`, `destroyCollection`, `destroy`: whether anything was removed; `deleteMany`: how many. */
  deleted?: boolean | number;
  /** `keys`, `collections` and streams: how many names were returned. */
  count?: number;
  /** True for `iterateKeys` and `iterateCollections`, logged once the stream ends. */
  stream?: boolean;
  /** The value read or written, only with `logValues`. */
  value?: Value;
  /** A bulk call's values (`[value, ttl]` pairs for `ttlMany`) in key order, only with `logValues`. */
  values?: readonly (Value | undefined)[] | readonly ValueWithTtl[];
  /** The failed call's error class (`StoreConnectionError` ...). */
  errorName?: string;
  /** The error's `code` (`"STORE_CONNECTION"` ...), when it has one. */
  errorCode?: string;
  /** The error's message. */
  errorMessage?: string;
  /** The message of the error's `cause` (usually the driver's error), when it has one. */
  errorCause?: string;
  /** Whether the error is transient (the same call may succeed later). */
  transient?: boolean;
  /** The message under `messageKey`, and whatever the logger adds. */
  [field: string]: unknown;
}

/** The level of each outcome. */
export interface LogLevels {
  /** A call that succeeded (a miss is a success). @default "info" */
  ok?: LogLevel | undefined;
  /** A call that failed with a transient error (`StoreConnectionError`, a timeout ...). @default "warn" */
  transient?: LogLevel | undefined;
  /** A call that failed with any other error (bad input, a closed store, bad stored data ...). @default "error" */
  error?: LogLevel | undefined;
}

/** Options of `LoggingWrapper`. */
export interface LoggingWrapperOptions {
  /** Where records go: a pino or winston logger, `console`, or anything with the same four methods. @default console */
  logger?: Logger | undefined;
  /** The level of each outcome. */
  levels?: LogLevels | undefined;
  /** Log the values read and written. Off by default: values often hold personal data or secrets. @default false */
  logValues?: boolean | undefined;
  /** Log keys. Turn off when keys are personal data (emails, user names); key counts are still logged. @default true */
  logKeys?: boolean | undefined;
  /** The record field holding the message: `"msg"` makes it pino's message. @default "message" */
  messageKey?: string | undefined;
}

import {
  capabilityMethods,
  capabilityNames,
  isTransientError,
  messageOf,
  type Operation,
  type PutOptions,
} from "@kv/protocol";
import type { Shown } from "./calls.ts";
import type { Logger, LoggingWrapperOptions, LogLevel, LogRecord } from "./logger.ts";

type Outcome = "ok" | "error";
const levelNames: readonly string[] = ["debug", "info", "warn", "error", "silent"];
const messages: { [O in Operation]?: { readonly [K in Outcome]: string } } = {};
/** Operations that act on one collection: the data calls, and capabilities by the protocol's table. */
const perCollection: ReadonlySet<Operation> = new Set<Operation>([
  ...(["get", "getMany", "ttl", "ttlMany", "put", "putMany", "delete", "deleteMany"] as const),
  ...capabilityNames.flatMap((name) =>
    capabilityMethods[name]
      .filter((method) => method.optionsAt !== undefined || method.collectionAt !== undefined)
      .map(({ operation }) => operation),
  ),
]);

/** Builds and writes the records of `LoggingWrapper` from its checked options. */
export class Recorder {
  /** What records may show besides the call's shape. */
  readonly show: Shown;
  private readonly logger: Logger;
  private readonly messageKey: string;
  private readonly okLevel: LogLevel;
  private readonly transientLevel: LogLevel;
  private readonly errorLevel: LogLevel;
  private readonly defaultCollection: string;

  /** @throws RangeError for an unknown level; TypeError for a logger without a used level's method or an option of the wrong type */
  constructor(options: LoggingWrapperOptions, defaultCollection: string) {
    this.defaultCollection = defaultCollection;
    this.logger = options.logger ?? console;
    this.okLevel = level(options.levels?.ok, "info", "levels.ok");
    this.transientLevel = level(options.levels?.transient, "warn", "levels.transient");
    this.errorLevel = level(options.levels?.error, "error", "levels.error");
    for (const used of [this.okLevel, this.transientLevel, this.errorLevel]) {
      const method = (this.logger as unknown as Record<string, unknown>)?.[used];
      if (used !== "silent" && typeof method !== "function") {
        throw new TypeError(`logger has no ${used}() method`);
      }
    }
    this.show = {
      values: flag(options.logValues, false, "logValues"),
      keys: flag(options.logKeys, true, "logKeys"),
    };
    this.messageKey = options.messageKey ?? "message";
    if (typeof this.messageKey !== "string" || this.messageKey === "") {
      throw new TypeError("messageKey must be a non-empty string");
    }
  }

  /** The record of a success, for the caller to complete and `write`; `undefined` when not logged. */
  succeeded(
    started: number,
    operation: Operation,
    options: PutOptions | undefined,
    subject: unknown,
  ): LogRecord | undefined {
    return this.start(this.okLevel, started, operation, options, subject, "ok");
  }

  /** Writes a completed success record. */
  write(record: LogRecord): void {
    this.emit(this.okLevel, record);
  }

  /** Logs a failure with the error's name, code, message and cause. */
  failed(
    started: number,
    operation: Operation,
    options: PutOptions | undefined,
    subject: unknown,
    error: unknown,
  ): void {
    const transient = isTransientError(error);
    const level = transient ? this.transientLevel : this.errorLevel;
    const record = this.start(level, started, operation, options, subject, "error");
    if (record === undefined) return;
    const { name, code, cause } = (error ?? {}) as {
      name?: unknown;
      code?: unknown;
      cause?: unknown;
    };
    record.errorName = typeof name === "string" ? name : typeof error;
    if (typeof code === "string" || typeof code === "number") record.errorCode = String(code);
    record.errorMessage = this.scrub(messageOf(error), subject);
    if (cause !== undefined) record.errorCause = this.scrub(messageOf(cause), subject);
    record.transient = transient;
    this.emit(level, record);
  }

  private start(
    level: LogLevel,
    started: number,
    operation: Operation,
    options: PutOptions | undefined,
    subject: unknown,
    outcome: Outcome,
  ): LogRecord | undefined {
    if (level === "silent" || this.logger.isLevelEnabled?.(level) === false) return undefined;
    const record = { [this.messageKey]: message(operation, outcome), operation } as LogRecord;
    if (perCollection.has(operation)) {
      const named: unknown = options?.collection;
      record.collection = named === undefined ? this.defaultCollection : String(named);
    }
    if (Array.isArray(subject)) record.keyCount = subject.length;
    else if (typeof subject === "string" && this.show.keys) record.key = subject;
    if (options?.ttl !== undefined) record.ttl = options.ttl;
    record.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    record.outcome = outcome;
    return record;
  }

  private emit(level: LogLevel, record: LogRecord): void {
    if (level === "silent") return;
    try {
      this.logger[level](record);
    } catch {
      // a failing logger must not change the outcome of the call
    }
  }

  /** The text with the call's keys replaced by `[key]`, when keys are not logged. */
  private scrub(text: string, subject: unknown): string {
    if (this.show.keys || subject === undefined) return text;
    let scrubbed = text;
    for (const item of Array.isArray(subject) ? subject : [subject]) {
      const key: unknown = Array.isArray(item) ? item[0] : item;
      if (typeof key === "string" && key !== "") scrubbed = scrubbed.split(key).join("[key]");
    }
    return scrubbed;
  }
}

function message(operation: Operation, outcome: Outcome): string {
  let known = messages[operation];
  if (known === undefined) {
    known = { ok: `kv ${operation}`, error: `kv ${operation} failed` };
    messages[operation] = known;
  }
  return known[outcome];
}

function level(value: unknown, fallback: LogLevel, name: string): LogLevel {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !levelNames.includes(value)) {
    throw new RangeError(`${name} must be one of ${levelNames.join(", ")}, got ${String(value)}`);
  }
  return value as LogLevel;
}

function flag(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${typeof value}`);
  }
  return value;
}

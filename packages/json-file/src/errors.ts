import {
  DeserializationError,
  defineError,
  type ErrorClass,
  type KeyValueErrorOptions,
  StoreError,
} from "@kv/protocol";

/** What `ConcurrentWriterError` says about the other writer. */
export interface ConcurrentWriterFields {
  /** The collection file being written. */
  file: string;
  /** The process holding the file's lock, when it is on this host. */
  pid?: number | undefined;
  /** How long this call waited for the lock, in milliseconds (0 without `lock: true`). */
  waitedMs?: number | undefined;
}

/**
 * Another process was writing the same collection file: without `lock: true` the write is refused
 * rather than risk losing either update; with it, the lock was not free within `lockTimeoutMs`.
 * Transient: the same call may succeed once the other writer is done.
 */
export interface ConcurrentWriterError extends StoreError, Readonly<ConcurrentWriterFields> {
  readonly name: "ConcurrentWriterError";
}

function describeWriter(options: KeyValueErrorOptions & ConcurrentWriterFields): string {
  const who = options.pid === undefined ? "another process" : `process ${options.pid}`;
  if ((options.waitedMs ?? 0) > 0) {
    return `${options.file} stayed locked by ${who} for ${options.waitedMs} ms`;
  }
  return `${options.file} is being written by ${who}; open every writer with lock: true to make them wait for each other`;
}

/**
 * Another process was writing the same collection file: without `lock: true` the write is refused
 * rather than risk losing either update; with it, the lock was not free within `lockTimeoutMs`.
 * Transient: the same call may succeed once the other writer is done.
 */
export const ConcurrentWriterError: ErrorClass<ConcurrentWriterError, ConcurrentWriterFields> =
  defineError({
    name: "ConcurrentWriterError",
    code: "CONCURRENT_WRITER",
    parent: StoreError,
    transient: true,
    fields: ["file", "pid", "waitedMs"],
    message: describeWriter,
  });

/** Where `JsonFileSyntaxError` found the problem. */
export interface JsonFileSyntaxFields {
  /** The collection file. */
  file: string;
  /** The line of the first error, from 1. */
  line: number;
  /** The column of the first error, from 1. */
  column: number;
}

/**
 * A collection file is not valid JSON (a hand edit gone wrong). Nothing is written to the file
 * until it is fixed, so the edit is never overwritten.
 */
export interface JsonFileSyntaxError
  extends Omit<DeserializationError, "name">,
    Readonly<JsonFileSyntaxFields> {
  readonly name: "JsonFileSyntaxError";
}

/**
 * A collection file is not valid JSON (a hand edit gone wrong). Nothing is written to the file
 * until it is fixed, so the edit is never overwritten.
 */
export const JsonFileSyntaxError: ErrorClass<JsonFileSyntaxError, JsonFileSyntaxFields> =
  defineError({
    name: "JsonFileSyntaxError",
    code: "JSON_FILE_SYNTAX",
    parent: DeserializationError,
    fields: ["file", "line", "column"],
    message: (options) =>
      `${options.file}:${options.line}:${options.column}: the file is not valid JSON`,
  });

/**
 * The error a caller gets for a failure of its file that was raised without the call's context
 * (one failure can fail several queued calls): a copy naming the caller's operation, collection
 * and key. Any other error is returned as it is.
 */
export function inCallContext(
  error: unknown,
  context: Omit<KeyValueErrorOptions, "message" | "cause">,
): unknown {
  if (ConcurrentWriterError.isInstance(error) && error.operation === undefined) {
    const { file, pid, waitedMs } = error;
    return new ConcurrentWriterError({ ...context, file, pid, waitedMs });
  }
  if (JsonFileSyntaxError.isInstance(error) && error.operation === undefined) {
    const { file, line, column, message, cause } = error;
    return new JsonFileSyntaxError({ ...context, file, line, column, message, cause });
  }
  return error;
}

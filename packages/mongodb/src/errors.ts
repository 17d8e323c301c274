import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";
import type { AnyBulkWriteOperation } from "mongodb";

/** What `DocumentTooLargeError` says besides the usual context. */
export interface DocumentTooLargeErrorOptions extends KeyValueErrorOptions {
  /** The size the document would have, in BSON bytes. */
  size: number;
  /** MongoDB's document size limit in bytes. */
  limit: number;
}

/** An entry's document would exceed MongoDB's 16 MiB limit. It is refused before anything is sent. */
export interface DocumentTooLargeError extends KeyValueError {
  readonly name: "DocumentTooLargeError";
  /** The size the document would have, in BSON bytes. */
  readonly size: number;
  /** MongoDB's document size limit in bytes. */
  readonly limit: number;
}
/** An entry's document would exceed MongoDB's 16 MiB limit. It is refused before anything is sent. */
export const DocumentTooLargeError: ErrorClass<
  DocumentTooLargeError,
  DocumentTooLargeErrorOptions
> = defineError({
  name: "DocumentTooLargeError",
  code: "DOCUMENT_TOO_LARGE",
  fields: ["size", "limit"],
  message: (o) => `Document of ${o.size} bytes exceeds MongoDB's limit of ${o.limit} bytes`,
});

/** Driver errors that mean the server could not be reached or answered too late. */
const connectionErrorNames = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoServerClosedError",
  "MongoOperationTimeoutError",
]);

/**
 * Server error codes of a node that is shutting down, stepping down, unreachable or timing out:
 * HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress, PrimarySteppedDown,
 * ExceededTimeLimit, SocketException, NotWritablePrimary, InterruptedAtShutdown,
 * InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
 */
const transientCodes = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** True when a driver error means the server is unreachable, unavailable or too slow. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (connectionErrorNames.has(error.name)) return true;
  const { code } = error as { code?: unknown };
  if (typeof code === "number" && transientCodes.has(code)) return true;
  const labelled = error as { hasErrorLabel?: (label: string) => boolean };
  return (
    typeof labelled.hasErrorLabel === "function" && labelled.hasErrorLabel("RetryableWriteError")
  );
}

/** True for E11000: two writers upserted the same new key at once. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/**
 * True for E11000 on the index of `key` (its `keyValue` names only `key`, or, from servers that
 * send no `keyValue`, its message does): a document with that key exists. A duplicate on another
 * unique index someone added is not this.
 */
export function isKeyTaken(error: unknown): boolean {
  if (!isDuplicateKey(error)) return false;
  const { keyValue, message } = error as { keyValue?: unknown; message?: unknown };
  if (typeof keyValue === "object" && keyValue !== null) {
    return Object.keys(keyValue).join() === "key";
  }
  return typeof message === "string" && /dup key: \{ key: /.test(message);
}

/** True when an index of the same name or keys exists with other options (py-key-value's `key_1`). */
export function isIndexConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 85 || code === 86;
}

/** True when a dropped collection did not exist (code 26; some servers send only the message). */
export function isNamespaceNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error as { code?: unknown }).code === 26 || /\bns not found\b/i.test(error.message);
}

/** The operations of a failed unordered bulk write that lost an upsert race (E11000), if only those. */
export function racedOperations(
  error: unknown,
  operations: readonly AnyBulkWriteOperation[],
): AnyBulkWriteOperation[] | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { writeErrors, writeConcernError } = error as {
    writeErrors?: { index: number; code?: number } | { index: number; code?: number }[];
    writeConcernError?: unknown;
  };
  if (writeErrors === undefined || writeConcernError) return undefined;
  const failed = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  if (failed.length === 0 || !failed.every(isDuplicateKey)) return undefined;
  return failed.flatMap(({ index }) => operations[index] ?? []);
}

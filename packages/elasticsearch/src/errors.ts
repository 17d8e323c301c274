import type { estypes } from "@elastic/elasticsearch";
import {
  type ErrorContext,
  type KeyValueError,
  KeyValueError as KeyValueErrorClass,
  type KeyValueErrorOptions,
  messageOf,
  StoreConnectionError,
  StoreError,
  toStoreError,
} from "@kv/protocol";

/** One item of a `_bulk` request that Elasticsearch refused. */
export interface BulkItemFailure {
  /** The key of the entry, when known. */
  key: string | undefined;
  /** The document id the item targeted. */
  id: string | undefined;
  /** The HTTP status of the item (429 means the cluster was overloaded: retrying is safe). */
  status: number;
  /** Elasticsearch's error type, such as `document_parsing_exception`. */
  type: string | undefined;
  /** Elasticsearch's explanation. */
  reason: string | undefined;
}

/** What `BulkWriteError` says besides the usual context. */
export interface BulkWriteErrorOptions extends KeyValueErrorOptions {
  /** The items Elasticsearch refused. */
  failures: readonly BulkItemFailure[];
}

/**
 * Elasticsearch refused some items of one `_bulk` request (`putMany`, `deleteMany`, `cull`).
 * The other items were applied: a bulk request is not a transaction.
 */
export class BulkWriteError extends StoreError {
  override readonly name = "BulkWriteError";
  override readonly code = "BULK_WRITE";
  /** The keys whose write or delete failed. */
  readonly failedKeys: readonly string[];
  /** Every refused item, with Elasticsearch's reason. */
  readonly failures: readonly BulkItemFailure[];

  constructor(options: BulkWriteErrorOptions) {
    const { failures } = options;
    const failedKeys = failures.flatMap((failure) =>
      failure.key === undefined ? [] : [failure.key],
    );
    const shown = failures
      .slice(0, 3)
      .map(
        (failure) =>
          `${JSON.stringify(failure.key ?? failure.id)}: ${failure.reason ?? failure.type}`,
      );
    const more = failures.length > shown.length ? "; ..." : "";
    super({
      ...options,
      cause: options.cause ?? failures,
      key: options.key ?? failedKeys[0],
      message:
        options.message ??
        `Elasticsearch refused ${failures.length} bulk item(s): ${shown.join("; ")}${more}`,
    });
    this.failedKeys = failedKeys;
    this.failures = failures;
    Object.defineProperty(this, Symbol.for(`@kv/error/${this.name}`), { value: true });
  }

  /** True for a `BulkWriteError` from any copy of the package. */
  static override isInstance(error: unknown): error is BulkWriteError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[Symbol.for("@kv/error/BulkWriteError")] === true
    );
  }
}

/**
 * The refused items of a `_bulk` response. `keys[i]` is the key of item `i`; statuses in
 * `accepted` (such as 404 for deleting a missing document) are not failures.
 */
export function bulkFailures(
  items: readonly Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>>[],
  keys: readonly (string | undefined)[],
  accepted: readonly number[] = [],
): BulkItemFailure[] {
  const failures: BulkItemFailure[] = [];
  for (const [index, item] of items.entries()) {
    const result = Object.values(item)[0];
    if (result?.error === undefined || accepted.includes(result.status)) continue;
    failures.push({
      key: keys[index],
      id: result._id ?? undefined,
      status: result.status,
      type: result.error.type,
      reason: result.error.reason ?? undefined,
    });
  }
  return failures;
}

const transientStatuses = new Set([408, 429, 502, 503, 504]);
const connectionErrorNames = new Set([
  "ConnectionError",
  "TimeoutError",
  "NoLivingConnectionsError",
]);

/**
 * True for failures worth retrying: the node could not be reached, timed out, or answered that it
 * is overloaded or unavailable (408, 429, 502, 503, 504). Read by name, so it works for any copy
 * of the client.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (connectionErrorNames.has(error.name)) return true;
  const status = (error as { meta?: { statusCode?: unknown } }).meta?.statusCode;
  return (
    error.name === "ResponseError" && typeof status === "number" && transientStatuses.has(status)
  );
}

/** The Elasticsearch error type of a failed response, such as `index_not_found_exception`. */
export function errorType(error: unknown): string | undefined {
  const body = (error as { meta?: { body?: unknown } } | undefined)?.meta?.body;
  const type = (body as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === "string" ? type : undefined;
}

/**
 * Turns a client error into the library's error: `StoreConnectionError` for transient failures,
 * `StoreError` otherwise, with the client's error as `cause`. `KeyValueError`s pass unchanged.
 */
export function toKeyValueError(error: unknown, context: ErrorContext): KeyValueError {
  if (KeyValueErrorClass.isInstance(error)) return error;
  if (isTransient(error)) {
    return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
  }
  return toStoreError(error, context);
}

import { defineError, type ErrorClass, type ErrorContext, StoreError } from "@kv/protocol";

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

/** What `BulkWriteError` carries besides the usual context. */
export interface BulkWriteErrorFields {
  /** Every refused item, with Elasticsearch's reason. */
  failures: readonly BulkItemFailure[];
  /** The keys whose write or delete failed. */
  failedKeys: readonly string[];
}

/**
 * Elasticsearch refused some items of one `_bulk` request (`putMany`, `deleteMany`, `cull`).
 * The other items were applied: a bulk request is not a transaction.
 */
export interface BulkWriteError extends StoreError, Readonly<BulkWriteErrorFields> {
  readonly name: "BulkWriteError";
}
/**
 * Elasticsearch refused some items of one `_bulk` request (`putMany`, `deleteMany`, `cull`).
 * The other items were applied: a bulk request is not a transaction.
 */
export const BulkWriteError: ErrorClass<BulkWriteError, BulkWriteErrorFields> = defineError({
  name: "BulkWriteError",
  code: "BULK_WRITE",
  parent: StoreError,
  fields: ["failures", "failedKeys"],
  message: ({ failures }) => {
    const shown = failures
      .slice(0, 3)
      .map(
        (failure) =>
          `${JSON.stringify(failure.key ?? failure.id)}: ${failure.reason ?? failure.type}`,
      );
    const more = failures.length > shown.length ? "; ..." : "";
    return `Elasticsearch refused ${failures.length} bulk item(s): ${shown.join("; ")}${more}`;
  },
});

/** A `BulkWriteError` for the refused items: their keys, the first as `key`, the items as `cause`. */
export function bulkWriteError(
  failures: readonly BulkItemFailure[],
  context: ErrorContext,
): BulkWriteError {
  const failedKeys = failures.flatMap((failure) =>
    failure.key === undefined ? [] : [failure.key],
  );
  return new BulkWriteError({
    ...context,
    failures,
    failedKeys,
    key: failedKeys[0],
    cause: failures,
  });
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

import { hasNetworkErrorCode } from "@kv/protocol";

/**
 * SQLSTATE codes worth trying again: connection exceptions (class 08), a server shutting down or
 * starting (57P01-57P03), too many connections (53300), a cancelled statement (57014, as by
 * `statement_timeout`), and the conflicts two writers can run into (40001, 40P01, 55P03).
 */
const transientStates = new Set([
  "53300",
  "57014",
  "57P01",
  "57P02",
  "57P03",
  "40001",
  "40P01",
  "55P03",
]);

/** Messages pg gives (without a code) for a connection that broke, timed out or was never made. */
const connectionMessages =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end|Client was closed|connection is closed/i;

/**
 * True when a pg error means the server is unreachable, unavailable, too slow, or a write lost a
 * conflict that another attempt can win.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === "string") {
    if (code.startsWith("08") || transientStates.has(code)) return true;
  }
  if (hasNetworkErrorCode(error)) return true;
  // Node's connection attempts to several addresses fail with an AggregateError of them.
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isTransient)) return true;
  return connectionMessages.test(error.message);
}

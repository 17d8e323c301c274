import { hasNetworkErrorCode } from "@kv/protocol";

/**
 * The messages memcache-client gives a call whose connection failed or whose answer did not come:
 * "connect timeout", "socket error …", "socket close", "Command timeout", "Shutdown requested" …
 */
const connectionMessages =
  /^(connect |socket |Command timeout|Shutdown requested|No more valid servers left)/;

/**
 * True when the call failed because the server could not be reached or did not answer in time
 * (the store's `StoreConnectionError`); other failures (`SERVER_ERROR object too large for
 * cache`, `CLIENT_ERROR …`) are permanent.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { connecting?: unknown }).connecting === true) return true;
  return hasNetworkErrorCode(error) || connectionMessages.test(error.message);
}

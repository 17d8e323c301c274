import { type BaseStoreOptions, StoreConfigurationError } from "@kv/protocol";
import { MemcacheClient } from "memcache-client";

/** Connect with a URL; the store owns the client and `close()` shuts it down. */
export interface MemcachedStoreUrlOptions extends BaseStoreOptions {
  /** `memcached://host[:port]` of one server (port 11211 when left out). @default "memcached://127.0.0.1:11211" */
  url?: string | undefined;
  /** How long a call waits for the server's answer before failing with `StoreConnectionError`. @default 5000 */
  timeoutMs?: number | undefined;
  /** How long opening a connection may take before the call fails with `StoreConnectionError`. @default timeoutMs */
  connectTimeoutMs?: number | undefined;
  /** How many connections to the server the client keeps. @default 1 */
  maxConnections?: number | undefined;
}

/** Use an existing memcache-client client; the store never shuts it down. */
export interface MemcachedStoreClientOptions extends BaseStoreOptions {
  /**
   * A client of one server, borrowed: `close()` leaves it open. (memcache-client treats several
   * servers as replicas of each other, picking one at random per command, which breaks `cas`.)
   */
  client: MemcacheClient;
}

/** Options of `MemcachedStore`: a borrowed client, or a URL. */
export type MemcachedStoreOptions = MemcachedStoreClientOptions | MemcachedStoreUrlOptions;

const DEFAULT_URL = "memcached://127.0.0.1:11211";
const DEFAULT_PORT = 11211;
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * The client a store uses, and whether it made it (and so must shut it down).
 * @throws StoreConfigurationError for a malformed URL or an out-of-range option
 */
export function openClient(options: MemcachedStoreOptions): {
  client: MemcacheClient;
  owned: boolean;
} {
  if ("client" in options && options.client !== undefined) {
    return { client: options.client, owned: false };
  }
  const owned = options as MemcachedStoreUrlOptions;
  const server = serverOf(owned.url ?? DEFAULT_URL);
  const timeoutMs = positive(owned.timeoutMs ?? DEFAULT_TIMEOUT_MS, "timeoutMs");
  const connectTimeoutMs = positive(owned.connectTimeoutMs ?? timeoutMs, "connectTimeoutMs");
  const maxConnections = owned.maxConnections ?? 1;
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) {
    throw new StoreConfigurationError({
      message: `maxConnections must be a positive integer, got ${String(maxConnections)}`,
    });
  }
  const client = new MemcacheClient({
    server: { server, maxConnections },
    cmdTimeout: timeoutMs,
    connectTimeout: connectTimeoutMs,
    noDelay: true,
    Promise,
  });
  return { client, owned: true };
}

/**
 * The `host:port` of a `memcached://` URL.
 * @throws StoreConfigurationError for another scheme, credentials, a path or query, an IPv6 host
 */
export function serverOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreConfigurationError({ message: `Not a URL: ${JSON.stringify(url)}` });
  }
  const refuse = (why: string) =>
    new StoreConfigurationError({
      message: `${why}; expected memcached://host[:port], got ${JSON.stringify(url)}`,
    });
  if (parsed.protocol !== "memcached:") throw refuse(`Unsupported scheme "${parsed.protocol}"`);
  if (parsed.hostname === "") throw refuse("No host");
  if (parsed.username !== "" || parsed.password !== "") {
    throw refuse("The text protocol has no authentication");
  }
  if (
    (parsed.pathname !== "" && parsed.pathname !== "/") ||
    parsed.search !== "" ||
    parsed.hash !== ""
  ) {
    throw refuse("No path, query or fragment is read");
  }
  if (parsed.hostname.startsWith("[")) throw refuse("memcache-client cannot reach IPv6 addresses");
  return `${parsed.hostname}:${parsed.port === "" ? DEFAULT_PORT : parsed.port}`;
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new StoreConfigurationError({
      message: `${name} must be a positive number of milliseconds, got ${String(value)}`,
    });
  }
  return value;
}

import type { BaseStoreOptions } from "@kv/protocol";
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { Limits } from "./commands.ts";

/** Options every way of constructing a `RedisStore` accepts. */
export interface RedisStoreCommonOptions extends BaseStoreOptions {
  /**
   * Keys become `<namespace>:<collection>::<key>`; `destroy()` and `collections()` then see only
   * this namespace. Must not contain `::` nor end with `:`. @default none: `<collection>::<key>`
   */
  namespace?: string | undefined;
}

/** Use an existing ioredis client; the store never closes it. */
export interface RedisStoreClientOptions extends RedisStoreCommonOptions {
  /** A `Redis` or `Cluster` client, borrowed: `close()` leaves it open. It must not set `keyPrefix`. */
  client: Redis | Cluster;
  /** A deadline for every call, on top of the client's own settings. @default 5000 for a `Cluster`, none for a `Redis` */
  timeoutMs?: number | undefined;
}

/** Connect to one Redis server; the store owns the connection and `close()` ends it. */
export interface RedisStoreUrlOptions extends RedisStoreCommonOptions {
  /** `redis://` or `rediss://` (TLS) URL with optional user, password and database. @default 127.0.0.1:6379, database 0 */
  url?: string | undefined;
  /** ioredis options (host, port, db, username, password, tls ...) over the store's defaults; the URL's parts win. @default {} */
  redisOptions?: RedisOptions | undefined;
  /** How long a command may wait, reconnecting included, before it fails with `StoreConnectionError`. @default 5000 */
  timeoutMs?: number | undefined;
}

/** Connect to a Redis Cluster; the store owns the connections and `close()` ends them. */
export interface RedisStoreClusterOptions extends RedisStoreCommonOptions {
  /** Startup nodes: `"host:port"`, `"redis://host:port"` or `{ host, port }`. */
  nodes: readonly ClusterNode[];
  /** ioredis Cluster options (`redisOptions` for TLS and credentials), applied over the store's defaults. @default {} */
  clusterOptions?: ClusterOptions | undefined;
  /** How long a command may wait, reconnecting included, before it fails with `StoreConnectionError`. @default 5000 */
  timeoutMs?: number | undefined;
}

/** Options of `RedisStore`: a borrowed client, a URL, or Cluster startup nodes. */
export type RedisStoreOptions =
  | RedisStoreClientOptions
  | RedisStoreUrlOptions
  | RedisStoreClusterOptions;

const DEFAULT_TIMEOUT_MS = 5000;

const reconnect = (attempt: number): number => Math.min(attempt * 100, 1000);

/** The client a store uses, whether the store owns it, and how the store bounds its calls. */
export function openClient(options: RedisStoreOptions): {
  client: Redis | Cluster;
  owned: boolean;
  limits: Limits;
} {
  if ("client" in options) {
    const { client } = options;
    const prefix = (client.options as { keyPrefix?: unknown }).keyPrefix;
    if (typeof prefix === "string" && prefix !== "") {
      throw new TypeError("RedisStore needs a client without keyPrefix; use the namespace option");
    }
    const explicit =
      options.timeoutMs === undefined ? undefined : positiveTimeout(options.timeoutMs);
    // ioredis may hold a Cluster command in its own queue with no timeout, so the store bounds it.
    const deadlineMs = explicit ?? (client.isCluster ? DEFAULT_TIMEOUT_MS : undefined);
    return { client, owned: false, limits: { deadlineMs, connectWaitMs: undefined } };
  }
  const timeoutMs = positiveTimeout(options.timeoutMs);
  // Owned clients have no offline queue and never resend a command after a reconnection, so a
  // call that failed (or timed out) is never carried out later; the store waits for the
  // connection instead (Commands.run).
  const connection = {
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
  };
  let client: Redis | Cluster;
  if ("nodes" in options) {
    const clusterOptions = options.clusterOptions ?? {};
    client = new Cluster([...options.nodes], {
      clusterRetryStrategy: reconnect,
      slotsRefreshTimeout: timeoutMs,
      enableOfflineQueue: false,
      lazyConnect: true,
      ...clusterOptions,
      redisOptions: { ...connection, ...clusterOptions.redisOptions, replyMapping: "legacy" },
    });
  } else {
    const redisOptions = {
      ...connection,
      retryStrategy: reconnect,
      enableOfflineQueue: false,
      ...options.redisOptions,
      replyMapping: "legacy" as const,
    };
    client =
      options.url === undefined ? new Redis(redisOptions) : new Redis(options.url, redisOptions);
  }
  const deadlineMs = client.isCluster ? timeoutMs : undefined;
  return { client, owned: true, limits: { deadlineMs, connectWaitMs: timeoutMs } };
}

function positiveTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

const transient =
  /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY)\b|Command timed out|Connection is closed|Stream isn't writeable|Cluster isn't ready|Cluster is ended|None of startup nodes|Failed to refresh slots cache|Too many Cluster redirections/;

/** True for failures that mean the server could not be reached or answered too late. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && networkCodes.has(code)) return true;
  if (error.name === "MaxRetriesPerRequestError" || error.name === "ClusterAllFailedError") {
    return true;
  }
  return transient.test(error.message);
}

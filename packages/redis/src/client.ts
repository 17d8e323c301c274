import type { BaseStoreOptions } from "@kv/protocol";
import { StoreConfigurationError } from "@kv/protocol";
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import {
  checkCluster,
  checkRedisOptions,
  checkShape,
  checkTimeout,
  checkUrl,
} from "./configuration.ts";
import { Connection } from "./connection.ts";

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

/** Timeouts of a connection the store owns. */
interface RedisStoreOwnedTimeouts {
  /** How long a command may wait for its answer before it fails with `StoreConnectionError`. @default 5000 */
  timeoutMs?: number | undefined;
  /**
   * How long a call made before the first connection waits for it (TCP, TLS and handshake). Once
   * the connection is known to be down, calls fail at once instead. @default timeoutMs
   */
  connectTimeoutMs?: number | undefined;
}

/** Connect to one Redis server; the store owns the connection and `close()` ends it. */
export interface RedisStoreUrlOptions extends RedisStoreCommonOptions, RedisStoreOwnedTimeouts {
  /**
   * `redis://` or `rediss://` (TLS) URL with optional user, password and database. Never
   * `undefined` when given (an unset environment variable is refused, not taken as the default).
   * @default redisOptions alone (ioredis: 127.0.0.1:6379, database 0)
   */
  url?: string;
  /** ioredis options (host, port, db, username, password, tls, path ...) over the store's defaults; the URL's parts win. @default {} */
  redisOptions?: RedisOptions | undefined;
}

/** Connect to a Redis Cluster; the store owns the connections and `close()` ends them. */
export interface RedisStoreClusterOptions extends RedisStoreCommonOptions, RedisStoreOwnedTimeouts {
  /** Startup nodes: `"host:port"`, `"redis://host:port"` or `{ host, port }`. */
  nodes: readonly ClusterNode[];
  /** ioredis Cluster options (`redisOptions` for TLS and credentials), applied over the store's defaults. @default {} */
  clusterOptions?: ClusterOptions | undefined;
}

/** Options of `RedisStore`: a borrowed client, a URL, or Cluster startup nodes. */
export type RedisStoreOptions =
  | RedisStoreClientOptions
  | RedisStoreUrlOptions
  | RedisStoreClusterOptions;

const DEFAULT_TIMEOUT_MS = 5000;

const reconnect = (attempt: number): number => Math.min(attempt * 100, 1000);

/**
 * The client a store uses, whether the store owns it, and the connection its calls go through.
 * @throws StoreConfigurationError when the options cannot work
 */
export function openClient(options: RedisStoreOptions): {
  client: Redis | Cluster;
  owned: boolean;
  connection: Connection;
} {
  checkShape(options);
  const timeoutMs = checkTimeout(options.timeoutMs, "timeoutMs", DEFAULT_TIMEOUT_MS);
  if ("client" in options && options.client !== undefined) {
    const { client } = options;
    const prefix = (client.options as { keyPrefix?: unknown }).keyPrefix;
    if (typeof prefix === "string" && prefix !== "") {
      throw new StoreConfigurationError({
        message: "RedisStore needs a client without keyPrefix; use the namespace option",
      });
    }
    // ioredis may hold a Cluster command in its own queue with no timeout, so the store bounds it.
    const explicit = options.timeoutMs === undefined ? undefined : timeoutMs;
    const deadlineMs = explicit ?? (client.isCluster ? DEFAULT_TIMEOUT_MS : undefined);
    const limits = { deadlineMs, connectTimeoutMs: undefined };
    return { client, owned: false, connection: new Connection(client, limits) };
  }
  const owned = options as RedisStoreUrlOptions | RedisStoreClusterOptions;
  const connectTimeoutMs = checkTimeout(owned.connectTimeoutMs, "connectTimeoutMs", timeoutMs);
  // Owned clients have no offline queue and never resend a command after a reconnection, so a
  // call that failed (or timed out) is never carried out later (see Connection).
  const connection = {
    commandTimeout: timeoutMs,
    connectTimeout: connectTimeoutMs,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
  };
  let client: Redis | Cluster;
  if ("nodes" in owned) {
    const clusterOptions = owned.clusterOptions ?? {};
    checkCluster(owned.nodes, clusterOptions.redisOptions);
    client = new Cluster([...owned.nodes], {
      clusterRetryStrategy: reconnect,
      slotsRefreshTimeout: timeoutMs,
      enableOfflineQueue: false,
      lazyConnect: true,
      ...clusterOptions,
      redisOptions: { ...connection, ...clusterOptions.redisOptions, replyMapping: "legacy" },
    });
  } else {
    if (owned.url !== undefined) checkUrl(owned.url);
    checkRedisOptions(owned.redisOptions ?? {}, "redisOptions");
    const redisOptions = {
      ...connection,
      retryStrategy: reconnect,
      enableOfflineQueue: false,
      ...owned.redisOptions,
      replyMapping: "legacy" as const,
    };
    client = owned.url === undefined ? new Redis(redisOptions) : new Redis(owned.url, redisOptions);
  }
  const deadlineMs = client.isCluster ? timeoutMs : undefined;
  return {
    client,
    owned: true,
    connection: new Connection(client, { deadlineMs, connectTimeoutMs }),
  };
}

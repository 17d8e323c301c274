import {
  Client,
  type ClientOptions,
  type estypes,
  SniffingTransport,
  type TransportOptions,
} from "@elastic/elasticsearch";
import type { BaseStoreOptions } from "@kv/protocol";
import type { Refresh } from "./bulk.ts";
import { MAX_PREFIX_LENGTH, PREFIX_PATTERN } from "./layout.ts";

/** Options of `ElasticsearchStore` whichever way it gets its client. */
interface ElasticsearchStoreCommonOptions extends BaseStoreOptions {
  /**
   * Starts every index name (`<indexPrefix>-<collection>`): lowercase letters, digits, `_`, `.`
   * and `-`, starting with a letter or digit, at most 100 characters. @default "kv_store"
   */
  indexPrefix?: string | undefined;
  /**
   * Whether a write waits until searches by any client see it: `false` returns at once,
   * `"wait_for"` after the next index refresh (up to `refresh_interval`, 1 s by default), `true`
   * forces a refresh. Reads by key see every write at once either way, and so do this store's
   * listings while `refreshBeforeListing` is on. @default false
   */
  refresh?: Refresh | undefined;
  /**
   * Refreshes the indices `keys`/`iterateKeys` and `collections`/`iterateCollections` search just
   * before searching, so they list every write acknowledged before the call, from any client
   * (one extra request). When `false`, listings lag writes by up to one `refresh_interval`.
   * @default true
   */
  refreshBeforeListing?: boolean | undefined;
  /** Settings of the indices the store creates (shards, replicas, refresh interval ...). @default the cluster's defaults */
  indexSettings?: estypes.IndicesIndexSettings | undefined;
  /** Documents or collections fetched per request when listing and culling. @default 1000 */
  pageSize?: number | undefined;
}

/** A store over a client the caller owns: the store never closes it. */
export interface ElasticsearchStoreClientOptions extends ElasticsearchStoreCommonOptions {
  /** The client to use (borrowed: `close()` leaves it open, and its own timeouts and retries apply). */
  client: Client;
}

/** A store that makes and owns its client: `close()` closes it. */
export interface ElasticsearchStoreUrlOptions extends ElasticsearchStoreCommonOptions {
  /** The node URL, or several nodes of one cluster, such as `http://127.0.0.1:9200`. */
  url: string | string[];
  /** Credentials: `{ apiKey }`, `{ username, password }` or `{ bearer }`. @default none */
  auth?: ClientOptions["auth"] | undefined;
  /**
   * How long one attempt of a request (connecting included) may take before it fails with
   * `StoreConnectionError`; an attempt that times out is not retried. @default 10000
   */
  requestTimeoutMs?: number | undefined;
  /** How often the client retries a request whose connection failed (refused, reset ...). @default 3 */
  maxRetries?: number | undefined;
  /**
   * The wait before each retry once every node has been tried, in ms (the client's own default
   * waits 1 to 4 s). @default 100
   */
  retryDelayMs?: number | undefined;
  /** Any other option of the client (TLS, headers, compression ...). @default none */
  clientOptions?: Omit<ClientOptions, "node" | "nodes" | "cloud" | "auth"> | undefined;
}

/** Options of `ElasticsearchStore`: a borrowed `client`, or a `url` to connect to. */
export type ElasticsearchStoreOptions =
  | ElasticsearchStoreClientOptions
  | ElasticsearchStoreUrlOptions;

/**
 * The client a store makes for `url` options: each attempt bounded by `requestTimeoutMs`, and
 * `maxRetries` retries of a failed connection `retryDelayMs` apart.
 * @throws RangeError when `retryDelayMs` is negative or not finite
 */
export function ownedClient(options: ElasticsearchStoreUrlOptions): Client {
  const delayMs = options.retryDelayMs ?? 100;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`retryDelayMs must be a finite number ≥ 0, got ${String(delayMs)}`);
  }
  const Base = options.clientOptions?.Transport ?? SniffingTransport;
  return new Client({
    ...options.clientOptions,
    node: options.url,
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    maxRetries: options.maxRetries ?? 3,
    Transport: class extends Base {
      constructor(transportOptions: TransportOptions) {
        super({ ...transportOptions, retryBackoff: () => delayMs / 1000 });
      }
    },
  });
}

/**
 * The index prefix of the options, checked.
 * @throws RangeError when it is not a valid start of an index name
 */
export function resolveIndexPrefix(prefix = "kv_store"): string {
  if (PREFIX_PATTERN.test(prefix) && prefix.length <= MAX_PREFIX_LENGTH) return prefix;
  throw new RangeError(
    `indexPrefix must be 1 to ${MAX_PREFIX_LENGTH} lowercase letters, digits, "_", "." or "-", starting with a letter or digit, got ${JSON.stringify(prefix)}`,
  );
}

/**
 * The page size of the options, checked.
 * @throws RangeError when it is not an integer from 1 to 10 000
 */
export function resolvePageSize(pageSize = 1000): number {
  if (Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 10_000) return pageSize;
  throw new RangeError(`pageSize must be an integer from 1 to 10000, got ${String(pageSize)}`);
}

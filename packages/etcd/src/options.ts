import { type BaseStoreOptions, StoreConfigurationError } from "@kv/protocol";
import { noop } from "cockatiel";
import { Etcd3, type IOptions } from "etcd3";
import type { RequestLimits } from "./requests.ts";

/** etcd's default `--max-request-bytes`: 1.5 MiB. */
const DEFAULT_MAX_REQUEST_BYTES = 1_572_864;
/** etcd's default `--max-txn-ops`. */
const DEFAULT_MAX_TXN_OPS = 128;
/** The namespace of a store whose options name none. */
const DEFAULT_NAMESPACE = "kv";
/** Keys per range request of a listing. */
const DEFAULT_PAGE_SIZE = 1000;
/** The largest delay `setTimeout` keeps. */
const MAX_TIMER_MS = 2_147_483_647;
const schemes = /^(https?|etcd):\/\//;

/** Options of `EtcdStore` whichever way it gets its client. */
interface EtcdStoreCommonOptions extends BaseStoreOptions {
  /** The first part of every etcd key of the store (`<namespace>/<collection>/<key>`); no `/`. @default "kv" */
  namespace?: string | undefined;
  /** Keys fetched per range request when listing keys and collections. @default 1000 */
  pageSize?: number | undefined;
  /**
   * The server's `--max-request-bytes`: an entry whose key and value (plus 64 bytes of request
   * framing) exceed it gets `RequestTooLargeError` before anything is sent, and bulk writes are
   * split to stay under it. @default 1572864 (etcd's default, 1.5 MiB)
   */
  maxRequestBytes?: number | undefined;
  /** The server's `--max-txn-ops`: bulk calls send at most this many operations per transaction. @default 128 */
  maxTxnOps?: number | undefined;
}

/** A store over a client the caller owns: the store never closes it. */
export interface EtcdStoreClientOptions extends EtcdStoreCommonOptions {
  /** The etcd3 client to use (borrowed: `close()` leaves it open, its own timeouts and retries apply). */
  client: Etcd3;
}

/** A store that makes and owns its client: `close()` closes it. */
export interface EtcdStoreUrlOptions extends EtcdStoreCommonOptions {
  /**
   * The client URL of a member, or several members of one cluster: `http://host:2379`,
   * `https://host:2379`, or `etcd://host:2379` (plain HTTP). A `user:password@` part logs in
   * with etcd's password authentication.
   */
  url: string | readonly string[];
  /** Password authentication (instead of credentials in the URL). @default none */
  auth?: { username: string; password: string } | undefined;
  /** TLS: the CA certificate, and a client certificate and key for mutual TLS. @default none */
  credentials?: IOptions["credentials"] | undefined;
  /**
   * How long one request may take, connecting included, before it fails with
   * `StoreConnectionError`. A request that failed is never sent again by the client. @default 5000
   */
  timeoutMs?: number | undefined;
  /** Any other option of the etcd3 client (gRPC channel options ...). @default none */
  clientOptions?: Omit<IOptions, "hosts" | "auth" | "credentials"> | undefined;
}

/** Options of `EtcdStore`: a borrowed `client`, or a `url` to connect to. */
export type EtcdStoreOptions = EtcdStoreClientOptions | EtcdStoreUrlOptions;

/** What a store reads from its options besides its client. */
export interface StoreSettings {
  namespace: string;
  pageSize: number;
  limits: RequestLimits;
}

/**
 * The namespace, page size and request limits, defaults filled in.
 * @throws StoreConfigurationError when `pageSize`, `maxRequestBytes` or `maxTxnOps` is out of range
 */
export function storeSettings(options: EtcdStoreOptions): StoreSettings {
  return {
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    pageSize: integerOption("pageSize", options.pageSize, DEFAULT_PAGE_SIZE, 1, 100_000),
    limits: {
      maxRequestBytes: integerOption(
        "maxRequestBytes",
        options.maxRequestBytes,
        DEFAULT_MAX_REQUEST_BYTES,
        1024,
        2 ** 31 - 1,
      ),
      maxTxnOps: integerOption("maxTxnOps", options.maxTxnOps, DEFAULT_MAX_TXN_OPS, 1, 100_000),
    },
  };
}

function refuse(message: string): never {
  throw new StoreConfigurationError({ message });
}

/**
 * The client a store makes for `url` options: each request bounded by `timeoutMs`, no retries
 * and no circuit breaker (a failed call is reported at once and never resent behind the
 * caller's back), and no limit on the size of a response (a bulk read may be large).
 * @throws StoreConfigurationError when a URL or the timeout is not acceptable
 */
export function ownedClient(options: EtcdStoreUrlOptions): Etcd3 {
  const urls = typeof options.url === "string" ? [options.url] : options.url;
  if (!Array.isArray(urls) || urls.length === 0) refuse("url must be a URL or a non-empty list");
  const parsed = urls.map(parseUrl);
  const login = parsed.find((url) => url.username !== "");
  const timeoutMs = checkTimeout(options.timeoutMs);
  const clientOptions = options.clientOptions ?? {};
  const auth =
    options.auth ??
    (login === undefined
      ? undefined
      : {
          username: decodeURIComponent(login.username),
          password: decodeURIComponent(login.password),
        });
  return new Etcd3({
    faultHandling: { global: noop, host: () => noop },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    ...clientOptions,
    grpcOptions: { "grpc.max_receive_message_length": -1, ...clientOptions.grpcOptions },
    hosts: parsed.map((url) => `${url.protocol === "https:" ? "https" : "http"}://${url.host}`),
    ...(auth === undefined ? {} : { auth }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
}

/**
 * One member's URL, checked: `http`, `https` or `etcd`, a host, no path.
 * @throws StoreConfigurationError naming what is wrong (never showing a password)
 */
function parseUrl(url: unknown): URL {
  if (url === undefined) refuse("url is undefined (an unset environment variable?)");
  if (typeof url !== "string") refuse(`url must be a string, got ${typeof url}`);
  if (!schemes.test(url)) {
    refuse("url must start with http://, https:// or etcd:// (a member's client URL)");
  }
  if (!URL.canParse(url)) refuse("url is not a valid URL (a host, a port up to 65535)");
  const parsed = new URL(url);
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (parsed.hostname === "") refuse(`url has no host: ${shown}`);
  if (parsed.pathname !== "" && parsed.pathname !== "/") {
    refuse(`url must not have a path (use namespace): ${shown}`);
  }
  return parsed;
}

function checkTimeout(value: unknown): number {
  if (value === undefined) return 5000;
  if (typeof value !== "number" || !(value > 0 && value <= MAX_TIMER_MS)) {
    refuse(`timeoutMs must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * A positive integer option, or its default.
 * @throws StoreConfigurationError when it is not an integer from `min` to `max`
 */
function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    refuse(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

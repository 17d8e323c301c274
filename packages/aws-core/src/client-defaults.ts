/** The timeout options of a store that makes its own AWS SDK client. */
export interface SdkTimeoutOptions {
  /** How long opening one connection (TCP and TLS) may take. @default 2000 */
  connectTimeoutMs?: number | undefined;
  /** How long one request may take (the request handler's `requestTimeout`). */
  requestTimeoutMs?: number | undefined;
}

/** The part of an AWS SDK client's configuration that `sdkClientDefaults` gives. */
export interface SdkClientDefaults {
  /** How many times the SDK sends a request before giving up. */
  maxAttempts: number;
  /** The Node request handler's options: its timeouts, and that a request timing out fails. */
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    throwOnRequestTimeout: true;
  };
}

const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * The configuration a store's own AWS SDK client starts from: 3 attempts, and a request handler
 * with the options' timeouts (2000 ms to connect and `defaultRequestTimeoutMs` per request when
 * absent), failing a request that times out (the SDK sets no timeouts of its own).
 * @throws RangeError for a timeout that is not a positive number of milliseconds
 */
export function sdkClientDefaults(
  options: SdkTimeoutOptions,
  defaultRequestTimeoutMs: number,
): SdkClientDefaults {
  const connectionTimeout = positive(
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    "connectTimeoutMs",
  );
  const requestTimeout = positive(
    options.requestTimeoutMs ?? defaultRequestTimeoutMs,
    "requestTimeoutMs",
  );
  return {
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
  };
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

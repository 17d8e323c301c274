import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { sdkClientDefaults } from "@kv/aws-core";
import type { BaseStoreOptions } from "@kv/protocol";

/** Options every `DynamoDbStore` accepts, whichever way it gets its client. */
export interface DynamoDbStoreCommonOptions extends BaseStoreOptions {
  /** The table holding every collection: string partition key `collection`, string sort key `key`. */
  tableName: string;
  /** Creates the table when missing (on-demand billing) and enables native expiry on `ttl`. @default true */
  createTable?: boolean | undefined;
  /** Reads with strong consistency, so a read sees every write that finished before it. @default true */
  consistentRead?: boolean | undefined;
  /** The most batch requests one bulk call keeps in flight. @default 8 */
  maxConcurrency?: number | undefined;
  /** The first backoff before retrying a throttled request or unprocessed items. @default 50 */
  retryInitialDelayMs?: number | undefined;
  /** The longest backoff between two retries. @default 2000 */
  retryMaxDelayMs?: number | undefined;
  /** How long one call keeps retrying throttled requests and unprocessed items. @default 20000 */
  retryDeadlineMs?: number | undefined;
  /** How long setup waits for a created table to become ACTIVE (or a dropped one to go). @default 300000 */
  tableReadyTimeoutMs?: number | undefined;
}

/** Use an existing client; the store borrows it and never destroys it. */
export interface DynamoDbStoreClientOptions {
  /** The client to use. `close()` leaves it open. */
  client: DynamoDBClient;
}

/** Let the store create (and on `close()` destroy) its own client. */
export interface DynamoDbStoreConnectionOptions {
  /** No client: the store makes one from the options below. */
  client?: undefined;
  /** The AWS region. @default the SDK's default chain (AWS_REGION ...) */
  region?: string | undefined;
  /** The endpoint URL, for DynamoDB Local, dynalite or a VPC endpoint. @default AWS's endpoint for the region */
  endpoint?: string | undefined;
  /** The credentials. @default the SDK's default provider chain */
  credentials?: DynamoDBClientConfig["credentials"] | undefined;
  /**
   * How long opening one connection (TCP and TLS) may take before the attempt fails (the request
   * handler's `connectionTimeout`; the SDK has none). Ignored with `clientConfig.requestHandler`.
   * @default 2000
   */
  connectTimeoutMs?: number | undefined;
  /**
   * How long one request may take, from sending it to the end of the answer (the request
   * handler's `requestTimeout`; the SDK has none). Ignored with `clientConfig.requestHandler`.
   * @default 5000
   */
  requestTimeoutMs?: number | undefined;
  /** Any other client configuration (`maxAttempts`, `requestHandler` ...). @default { maxAttempts: 3 } */
  clientConfig?: DynamoDBClientConfig | undefined;
}

/** Options of `DynamoDbStore`: the table plus a borrowed client or the means to make one. */
export type DynamoDbStoreOptions = DynamoDbStoreCommonOptions &
  (DynamoDbStoreClientOptions | DynamoDbStoreConnectionOptions);

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * The client a store uses, and whether it made it (and so destroys it on `close()`).
 * @throws RangeError for a `connectTimeoutMs` or `requestTimeoutMs` that is not a positive number
 */
export function openClient(options: DynamoDbStoreOptions): {
  client: DynamoDBClient;
  owned: boolean;
} {
  if (options.client !== undefined) return { client: options.client, owned: false };
  const { region, endpoint, credentials, clientConfig } = options;
  const client = new DynamoDBClient({
    ...sdkClientDefaults(options, DEFAULT_REQUEST_TIMEOUT_MS),
    ...clientConfig,
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  return { client, owned: true };
}

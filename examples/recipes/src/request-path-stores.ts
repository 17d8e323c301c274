import { DynamoDbStore, type DynamoDbStoreConnectionOptions } from "@kv/dynamodb";
import { ElasticsearchStore } from "@kv/elasticsearch";
import { FallbackWrapper } from "@kv/fallback";
import { MemoryStore } from "@kv/memory";
import { MongoDbStore } from "@kv/mongodb";
import type { KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { RetryWrapper } from "@kv/retry";

// Settings for a cache in front of a slower source, on the path of a request: there a miss costs
// one computation, so no call should wait for a backend that is down. Numbers assume the backend
// is in the same network and answers in a few milliseconds.

/** Redis fails at once while known down; one quick retry covers a reconnection under way. */
export function redisCache(url: string): KeyValue {
  const redis = new RedisStore({ url, timeoutMs: 150, connectTimeoutMs: 1000 });
  return new RetryWrapper(redis, { maxRetries: 1, initialDelayMs: 20, deadlineMs: 100 });
}

/**
 * MongoDB cannot fail at once: every call waits up to `serverSelectionTimeoutMs` while the server
 * is down. The circuit breaker stops paying that after three failures in a row.
 */
export function mongoDbCache(url: string): KeyValue {
  const mongodb = new MongoDbStore({
    url,
    serverSelectionTimeoutMs: 500,
    connectTimeoutMs: 300,
    clientOptions: { socketTimeoutMS: 1000 }, // a command the server accepted but never answers
  });
  return new FallbackWrapper(mongodb, new MemoryStore({ maxEntries: 10_000 }), {
    failureThreshold: 3,
    cooldownMs: 5_000,
  });
}

/** Where a DynamoDB table is: its name, and the region, endpoint and credentials of the client. */
export type DynamoDbTable = { tableName: string } & Pick<
  DynamoDbStoreConnectionOptions,
  "region" | "endpoint" | "credentials"
>;

/** DynamoDB: bounded attempts, and throttling retried for a moment rather than 20 s. */
export function dynamoDbCache(table: DynamoDbTable): KeyValue {
  return new DynamoDbStore({
    ...table,
    connectTimeoutMs: 300,
    requestTimeoutMs: 500,
    clientConfig: { maxAttempts: 2 },
    retryDeadlineMs: 300,
  });
}

/** Elasticsearch: one retry of a refused connection; a request that times out is not retried. */
export function elasticsearchCache(url: string): KeyValue {
  return new ElasticsearchStore({ url, requestTimeoutMs: 500, maxRetries: 1 });
}

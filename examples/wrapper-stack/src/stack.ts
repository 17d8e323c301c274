import { EncryptionWrapper } from "@kv/encryption";
import { FallbackWrapper } from "@kv/fallback";
import { MemoryStore } from "@kv/memory";
import { RedisStore } from "@kv/redis";
import { RetryWrapper } from "@kv/retry";
import { StatisticsWrapper } from "@kv/statistics";

/** Settings of `createStack`. */
export interface StackOptions {
  /** Where Redis listens, e.g. `redis://127.0.0.1:6379/0`. */
  redisUrl: string;
  /** A 32-byte AES key as base64, from a secret manager. */
  encryptionKey: string;
}

/**
 * The production store, inside out: Redis; retried on transient failures; backed by a local
 * memory store while Redis stays down; every value encrypted before it leaves the process; and
 * every call counted. The result is still a `KeyValue`.
 */
export function createStack({ redisUrl, encryptionKey }: StackOptions) {
  const redis = new RedisStore({ url: redisUrl, namespace: "wrapper-stack", timeoutMs: 500 });
  const retried = new RetryWrapper(redis, { maxRetries: 2, initialDelayMs: 20, deadlineMs: 1_000 });
  const fallback = new FallbackWrapper(retried, new MemoryStore(), {
    writeToFallback: true,
    failureThreshold: 2,
    cooldownMs: 250,
  });
  const encrypted = new EncryptionWrapper(fallback, { keys: [{ id: "k1", key: encryptionKey }] });
  const store = new StatisticsWrapper(encrypted);
  return { store, redis, fallback };
}

import { DiskStore } from "@kv/disk";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { RetryWrapper } from "@kv/retry";

/**
 * The application's one place that knows about backends, configured by environment variables:
 * - `STORE=memory` (the default): tests and scripts;
 * - `STORE=disk STORE_DIRECTORY=./data`: a laptop or a single machine;
 * - `STORE=redis STORE_URL=redis://host:6379/0`: production, with retries on transient failures.
 */
export function storeFromEnvironment(env: NodeJS.ProcessEnv = process.env): KeyValue {
  switch (env.STORE ?? "memory") {
    case "memory":
      return new MemoryStore({ maxEntries: 100_000 });
    case "disk":
      return new DiskStore({ directory: required(env, "STORE_DIRECTORY") });
    case "redis":
      return new RetryWrapper(new RedisStore({ url: required(env, "STORE_URL") }), {
        maxRetries: 3,
        deadlineMs: 2_000,
      });
    default:
      throw new Error(`STORE must be memory, disk or redis, got ${JSON.stringify(env.STORE)}`);
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set when STORE=${env.STORE}`);
  return value;
}

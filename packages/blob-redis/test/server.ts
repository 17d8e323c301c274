import { Redis } from "ioredis";
import { redisUrl } from "../../../scripts/services/require-service.ts";

/** The test Redis (scripts/services/redis.sh), database 9, kept for these tests. */
export function blobRedisUrl(): string {
  const url = new URL(redisUrl());
  url.pathname = "/9";
  return url.toString();
}

/** Removes every Redis key of a namespace. */
export async function removeNamespace(namespace: string): Promise<void> {
  const client = new Redis(blobRedisUrl());
  try {
    const stream = client.scanStream({ match: `${namespace}:*`, count: 1000 });
    for await (const names of stream) {
      if ((names as string[]).length > 0) await client.unlink(...(names as string[]));
    }
  } finally {
    client.disconnect();
  }
}

import { Redis } from "ioredis";
import { redisUrl } from "./servers.ts";

/** Empties this package's Redis database. */
export async function flushRedis(): Promise<void> {
  const client = new Redis(redisUrl());
  try {
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}

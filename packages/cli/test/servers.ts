import { redisUrl as sharedRedisUrl } from "../../../scripts/services/require-service.ts";

/** The shared Redis (scripts/services/redis.sh), database 14: this package's own. */
export function redisUrl(): string {
  const url = new URL(sharedRedisUrl());
  url.pathname = "/14";
  return url.toString();
}

/** The shared Redis (scripts/services/redis.sh), database 10: this package's own. */
export function redisUrl(): string {
  const url = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
  url.pathname = "/10";
  return url.toString();
}

/** The shared standalone server (scripts/services/redis.sh). */
export function redisUrl(): string {
  return process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390";
}

/** The shared standalone server, database `db`. */
export function redisDbUrl(db: number): string {
  const url = new URL(redisUrl());
  url.pathname = `/${db}`;
  return url.toString();
}

/** The shared Cluster's startup nodes (scripts/services/redis-cluster.sh). */
export function clusterNodes(): string[] {
  const nodes =
    process.env.KV_REDIS_CLUSTER_NODES ?? "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103";
  return nodes.split(",").map((node) => node.trim());
}

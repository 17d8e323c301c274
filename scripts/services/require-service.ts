import { connect } from "node:net";
import { fileURLToPath } from "node:url";

/**
 * For a package's vitest `globalSetup`: fails the run (never skips it) when the named service
 * does not accept connections at `url`, saying how to start it.
 */
export async function requireService(name: string, url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.setTimeout(3000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
  if (!reachable) {
    throw new Error(
      `${name} is not answering at ${url}. Start it with: bash scripts/services/start-all.sh ${name}`,
    );
  }
}

/** The test Redis (scripts/services/redis.sh): `KV_REDIS_URL`, or its default address. */
export function redisUrl(): string {
  return process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390";
}

/**
 * The test Redis over TLS (scripts/services/redis.sh, port 6391 on the host of `redisUrl()`) as a
 * `rediss:` URL, and the certificate a client must trust (self-signed, made when the server starts).
 */
export function redisTls(): { url: string; ca: string } {
  const url = new URL(redisUrl());
  url.protocol = "rediss:";
  url.port = "6391";
  const ca = fileURLToPath(new URL("../../.services/redis/tls/cert.pem", import.meta.url));
  return { url: url.toString(), ca };
}

/** The test MongoDB (scripts/services/mongodb.sh): `KV_MONGODB_URL`, or its default address. */
export function mongoUrl(): string {
  return process.env.KV_MONGODB_URL ?? "mongodb://127.0.0.1:27018";
}

/** The test Elasticsearch (scripts/services/elasticsearch.sh): `KV_ELASTICSEARCH_URL`, or its default. */
export function elasticsearchUrl(): string {
  return process.env.KV_ELASTICSEARCH_URL ?? "http://127.0.0.1:9201";
}

/** The test PostgreSQL (scripts/services/postgres.sh): `KV_POSTGRES_URL`, or its default address. */
export function postgresUrl(): string {
  return process.env.KV_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:55432/postgres";
}

/** The test Memcached (scripts/services/memcached.sh): `KV_MEMCACHED_URL`, or its default address. */
export function memcachedUrl(): string {
  return process.env.KV_MEMCACHED_URL ?? "memcached://127.0.0.1:11212";
}

/** The test etcd (scripts/services/etcd.sh): `KV_ETCD_URL`, or its default client address. */
export function etcdUrl(): string {
  return process.env.KV_ETCD_URL ?? "http://127.0.0.1:23790";
}

/** The test S3-compatible server (scripts/services/s3.sh): `KV_S3_URL`, or its default endpoint. */
export function s3Url(): string {
  return process.env.KV_S3_URL ?? "http://127.0.0.1:18333";
}

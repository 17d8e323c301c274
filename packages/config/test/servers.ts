import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { elasticsearchUrl, mongoUrl, redisUrl } from "../../../scripts/services/require-service.ts";

/** The shared Redis, database `db`, as a URL. */
export function redisDbUrl(db: number): string {
  const url = new URL(redisUrl());
  url.pathname = `/${db}`;
  return url.toString();
}

/** The shared Redis Cluster's startup nodes, comma-separated. */
export function clusterHosts(): string {
  return process.env.KV_REDIS_CLUSTER_NODES ?? "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103";
}

/** The shared MongoDB's `host:port`. */
export function mongoHost(): string {
  return new URL(mongoUrl()).host;
}

/** The shared Elasticsearch node's `host:port`. */
export function elasticsearchHost(): string {
  return new URL(elasticsearchUrl()).host;
}

/** The DynamoDB-compatible server of this run. */
export function dynamodbEndpoint(): string {
  return inject("dynamodbEndpoint");
}

/** A directory made before the file's tests and removed after them; call the result inside a test. */
export function temporaryDirectory(prefix: string): () => string {
  let directory: string | undefined;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });
  return () => {
    if (directory === undefined) throw new Error("temporaryDirectory is read outside a test");
    return directory;
  };
}

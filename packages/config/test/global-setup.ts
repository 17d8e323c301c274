/// <reference path="../../dynamodb/test/dynalite.d.ts" />
import type { TestProject } from "vitest/node";
import {
  elasticsearchUrl,
  etcdUrl,
  memcachedUrl,
  mongoUrl,
  postgresUrl,
  redisUrl,
  requireService,
  s3Url,
} from "../../../scripts/services/require-service.ts";
import startDynamoDb from "../../dynamodb/test/global-setup.ts";

/**
 * Fails the run unless Redis, the Redis Cluster, MongoDB, Elasticsearch, PostgreSQL, Memcached
 * etcd and the S3 server answer; starts
 * dynalite in-process as @kv/dynamodb's tests do (or uses KV_DYNAMODB_URL).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await requireService("redis", redisUrl());
  const node = (process.env.KV_REDIS_CLUSTER_NODES ?? "127.0.0.1:7101").split(",")[0];
  await requireService("redis-cluster", `redis://${node}`);
  await requireService("mongodb", mongoUrl());
  await requireService("elasticsearch", elasticsearchUrl());
  await requireService("postgres", postgresUrl());
  await requireService("memcached", memcachedUrl());
  await requireService("etcd", etcdUrl());
  await requireService("s3", s3Url());
  return await startDynamoDb(project);
}

import type { Suite } from "../types.ts";

/**
 * Every suite, in report order. Each suite's module (and so its drivers) is loaded only when the
 * suite runs: the in-process suite runs first, in a heap that holds no database drivers. A larger
 * heap makes every allocation dearer (V8's marking work grows with it), which would move the
 * ratios of in-process stores for reasons that have nothing to do with them.
 */
export const SUITES: readonly { id: string; load: () => Promise<Suite> }[] = [
  { id: "memory", load: async () => (await import("./memory.ts")).memorySuite() },
  { id: "redis", load: async () => (await import("./redis.ts")).redisSuite() },
  { id: "leveldb", load: async () => (await import("./leveldb.ts")).leveldbSuite() },
  { id: "sqlite", load: async () => (await import("./sqlite.ts")).sqliteSuite() },
  { id: "disk", load: async () => (await import("./disk.ts")).diskSuite() },
  { id: "json-file", load: async () => (await import("./json-file.ts")).jsonFileSuite() },
  { id: "dynamodb", load: async () => (await import("./dynamodb.ts")).dynamodbSuite() },
  { id: "mongodb", load: async () => (await import("./mongodb.ts")).mongodbSuite() },
  {
    id: "elasticsearch",
    load: async () => (await import("./elasticsearch.ts")).elasticsearchSuite(),
  },
  { id: "etcd", load: async () => (await import("./etcd.ts")).etcdSuite() },
  { id: "memcached", load: async () => (await import("./memcached.ts")).memcachedSuite() },
  { id: "postgres", load: async () => (await import("./postgres.ts")).postgresSuite() },
  { id: "s3", load: async () => (await import("./s3.ts")).s3Suite() },
  { id: "cache-memory", load: async () => (await import("./cache.ts")).cacheMemorySuite() },
  { id: "cache-redis", load: async () => (await import("./cache-redis.ts")).cacheRedisSuite() },
  { id: "blob-fs", load: async () => (await import("./blob-fs.ts")).blobFsSuite() },
  { id: "blob-sqlite", load: async () => (await import("./blob-sqlite.ts")).blobSqliteSuite() },
];

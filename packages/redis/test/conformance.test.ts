import { randomUUID } from "node:crypto";
import { describeConformance } from "@kv/conformance";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import type { Redis } from "ioredis";
import { Redis as Redis5 } from "ioredis5";
import { afterAll } from "vitest";
import { clusterNodes, redisDbUrl } from "./servers.ts";

class PassThroughWrapper extends BaseWrapper {}

// Each run has a database or namespace of its own, because the suite calls destroy().
const run = randomUUID().slice(0, 8);

/** A client of ioredis 5 (the peer range allows it), lent to every store of its run. */
const ioredis5 = new Redis5(redisDbUrl(10));

// The suite's closing test writes with a store it then closes, so nothing can remove that entry
// after the test: destroy each namespace once the run is over.
afterAll(async () => {
  for (const store of [
    new RedisStore({ client: ioredis5 as unknown as Redis, namespace: `kv-ioredis5-${run}` }),
    new RedisStore({ url: redisDbUrl(12), namespace: `kv-conformance-${run}` }),
    new RedisStore({ nodes: clusterNodes(), namespace: `kv-conformance-${run}` }),
    new RedisStore({ nodes: clusterNodes(), namespace: `{kv-tagged-${run}}` }),
    new RedisStore({ url: redisDbUrl(11) }),
    new RedisStore({ url: redisDbUrl(13) }),
  ]) {
    await store.destroy();
    await store.close();
  }
  await ioredis5.quit();
});

await describeConformance("RedisStore (standalone, py-key-value layout, db 11)", {
  createStore: () => new RedisStore({ url: redisDbUrl(11) }),
});

await describeConformance("RedisStore (standalone, namespace, db 12)", {
  createStore: () => new RedisStore({ url: redisDbUrl(12), namespace: `kv-conformance-${run}` }),
});

await describeConformance("RedisStore (Cluster, namespace)", {
  createStore: () => new RedisStore({ nodes: clusterNodes(), namespace: `kv-conformance-${run}` }),
});

await describeConformance("RedisStore (Cluster, one hash slot by a {tagged} namespace)", {
  createStore: () => new RedisStore({ nodes: clusterNodes(), namespace: `{kv-tagged-${run}}` }),
});

await describeConformance("RedisStore through a pass-through BaseWrapper (db 13)", {
  createStore: (): KeyValue => new PassThroughWrapper(new RedisStore({ url: redisDbUrl(13) })),
});

await describeConformance("RedisStore over a borrowed ioredis 5 client (db 10)", {
  createStore: () =>
    new RedisStore({ client: ioredis5 as unknown as Redis, namespace: `kv-ioredis5-${run}` }),
});

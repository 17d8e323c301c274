import { randomUUID } from "node:crypto";
import { describeConformance } from "@kv/conformance";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { clusterNodes, redisDbUrl } from "./servers.ts";

class PassThroughWrapper extends BaseWrapper {}

// Each run has a database or namespace of its own, because the suite calls destroy().
const run = randomUUID().slice(0, 8);

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

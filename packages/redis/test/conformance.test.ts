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

/** Clients of ioredis 5 (the peer range allows it), lent to the stores of its run and their peers. */
const ioredis5 = new Redis5(redisDbUrl(10));
const ioredis5Peer = new Redis5(redisDbUrl(10));

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
  await ioredis5Peer.quit();
});

/**
 * Runs the suite on the stores `open` makes; the atomic operations' concurrency tests run
 * between one of them and one `openPeer` makes, each with its own connection. A store talks to
 * each node over one connection, which answers in order.
 */
function describeRedis(
  name: string,
  open: () => KeyValue,
  openPeer: () => KeyValue = open,
): Promise<void> {
  return describeConformance(name, {
    createStore: open,
    createPeer: openPeer,
    answersInOrder: true,
  });
}

await describeRedis(
  "RedisStore (standalone, py-key-value layout, db 11)",
  () => new RedisStore({ url: redisDbUrl(11) }),
);

await describeRedis(
  "RedisStore (standalone, namespace, db 12)",
  () => new RedisStore({ url: redisDbUrl(12), namespace: `kv-conformance-${run}` }),
);

await describeRedis(
  "RedisStore (Cluster, namespace)",
  () => new RedisStore({ nodes: clusterNodes(), namespace: `kv-conformance-${run}` }),
);

await describeRedis(
  "RedisStore (Cluster, one hash slot by a {tagged} namespace)",
  () => new RedisStore({ nodes: clusterNodes(), namespace: `{kv-tagged-${run}}` }),
);

await describeRedis(
  "RedisStore through a pass-through BaseWrapper (db 13)",
  () => new PassThroughWrapper(new RedisStore({ url: redisDbUrl(13) })),
);

const borrowing = (client: Redis5) => () =>
  new RedisStore({ client: client as unknown as Redis, namespace: `kv-ioredis5-${run}` });
await describeRedis(
  "RedisStore over a borrowed ioredis 5 client (db 10)",
  borrowing(ioredis5),
  borrowing(ioredis5Peer),
);

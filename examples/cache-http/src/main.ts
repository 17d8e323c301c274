import assert from "node:assert/strict";
import { createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { type RunningServer, startServer } from "./product-server.ts";
import { type Product, Upstream } from "./upstream.ts";

const redisUrl = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
redisUrl.pathname = "/13"; // a database of this example's own
const openRedis = () => new RedisStore({ url: redisUrl.href, namespace: "cache-http" });
const expected: Product = { id: "42", name: "Product 42", priceCents: 299 };

/** `count` concurrent requests for `path` to each server; the products they answered with. */
async function wave(servers: readonly RunningServer[], path: string, count: number) {
  const requests = servers.flatMap(({ url }) =>
    Array.from({ length: count }, async () => {
      const response = await fetch(url + path);
      assert.equal(response.status, 200);
      return (await response.json()) as Product;
    }),
  );
  return Promise.all(requests);
}

/** One server caching in `store`: two waves of 50 concurrent requests for one product. */
async function oneServer(label: string, store: KeyValue) {
  const upstream = new Upstream(100);
  const cache = createCache(store);
  const server = await startServer(cache, upstream);
  const first = await wave([server], "/products/42", 50);
  const afterFirst = upstream.calls;
  cache.resetStatistics();
  const second = await wave([server], "/products/42", 50);
  await server.close();
  const { hits, misses, factoryRuns } = cache.statistics();
  console.log(
    label.padEnd(28),
    `protection: ${cache.stampedeProtection}, upstream calls: ${afterFirst} then ${upstream.calls},`,
    `second wave: ${hits} hits, ${misses} misses`,
  );
  assert.equal(afterFirst, 1); // 50 concurrent requests, one upstream call
  assert.equal(upstream.calls, 1); // the second wave is served from the cache
  assert.deepEqual({ hits, misses, factoryRuns }, { hits: 50, misses: 0, factoryRuns: 0 });
  for (const product of [...first, ...second]) assert.deepEqual(product, expected);
}

/** Two servers, each with its own cache and store client, 25 concurrent requests to each. */
async function twoServers(label: string, stores: readonly [KeyValue, KeyValue]) {
  const upstream = new Upstream(100);
  const caches = stores.map((store) => createCache(store));
  const servers = await Promise.all(caches.map((cache) => startServer(cache, upstream)));
  const products = await wave(servers, "/products/42", 25);
  await Promise.all(servers.map((server) => server.close()));
  const lockWaits = caches.reduce((sum, cache) => sum + cache.statistics().lockWaits, 0);
  console.log(label.padEnd(28), `upstream calls: ${upstream.calls}, lease waits: ${lockWaits}`);
  for (const product of products) assert.deepEqual(product, expected);
  return upstream.calls;
}

const [redis, redisA, redisB] = [openRedis(), openRedis(), openRedis()];
await redis.destroy(); // start from an empty cache, whatever an earlier run left

await oneServer("memory", new MemoryStore());
await oneServer("redis", redis);
await redis.destroy();

// Two servers on one Redis, each with its own client: the lease (putIfAbsent on Redis) keeps
// the upstream call to one across both.
assert.equal(await twoServers("two servers, one redis", [redisA, redisB]), 1);
// Two servers with a memory store each share nothing: each calls the upstream once.
assert.equal(
  await twoServers("two servers, two memories", [new MemoryStore(), new MemoryStore()]),
  2,
);

await redis.destroy();
await Promise.all([redis, redisA, redisB].map((store) => store.close()));

// The snippets of docs/caching.md, each asserting what the page says.
for (const snippet of [
  "get-or-set",
  "lease",
  "grace-and-timeouts",
  "negative-caching",
  "wrap",
  "containers",
  "statistics",
]) {
  await import(`./${snippet}.ts`);
  console.log(`${snippet}: ok`);
}
console.log("cache-http: ok");

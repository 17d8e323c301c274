import assert from "node:assert/strict";
import { openStore } from "@kv/config";
import {
  type KeyValue,
  StoreConnectionError,
  type StoreError,
  supportsClose,
  supportsDestroy,
  supportsKeys,
} from "@kv/protocol";
import { startService } from "./service.ts";

/** Runs the same requests against the service with `store` as its cache. */
async function exercise(label: string, store: KeyValue) {
  const errors: StoreError[] = [];
  const service = await startService(store, { onCacheError: (error) => errors.push(error) });
  const request = async (path: string) => {
    const response = await fetch(service.url + path);
    return {
      status: response.status,
      cache: response.headers.get("x-cache"),
      body: await response.text(),
    };
  };

  const ada = await request("/greet?name=Ada");
  const adaAgain = await request("/greet?name=Ada");
  const grace = await request("/greet?name=Grace");
  const missing = await request("/nowhere");
  const renders = service.renders();
  await service.close();

  console.log(
    label.padEnd(20),
    [ada, adaAgain, grace, missing].map((r) => `${r.status} ${r.cache}`).join(", "),
    `| renders: ${renders}, cache errors: ${errors.length}`,
  );
  return { ada, adaAgain, grace, missing, renders, errors };
}

// The application picks its cache with one URL (from its configuration, in a real one).
const redisUrl = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
redisUrl.pathname = "/11"; // a database of this example's own
redisUrl.search = "?namespace=framework-cache";
const redis = await openStore(redisUrl.href);
assert.ok(supportsDestroy(redis) && supportsKeys(redis) && supportsClose(redis));
await redis.destroy(); // start from an empty cache, whatever an earlier run left

const memory = await exercise("memory", await openStore("memory:"));
const onRedis = await exercise("redis", redis);
const unreachable = await openStore("redis://127.0.0.1:1?timeout_ms=500");
const down = await exercise("redis unreachable", unreachable);

const cachedKeys = (await redis.keys({ collection: "http-responses" })).sort();
await redis.destroy();
await redis.close();
if (supportsClose(unreachable)) await unreachable.close();

for (const run of [memory, onRedis]) {
  assert.deepEqual(
    [run.ada.cache, run.adaAgain.cache, run.grace.cache, run.missing.cache],
    ["miss", "hit", "miss", "miss"],
  );
  assert.equal(run.adaAgain.body, run.ada.body); // served from the cache, not rendered again
  assert.deepEqual(JSON.parse(run.ada.body), { greeting: "Hello, Ada!", render: 1 });
  assert.equal(run.missing.status, 404);
  assert.equal(run.renders, 3);
  assert.deepEqual(run.errors, []);
}
assert.deepEqual(cachedKeys, ["/greet?name=Ada", "/greet?name=Grace"]);
assert.deepEqual([down.ada.status, down.adaAgain.cache, down.renders], [200, "miss", 4]);
// 4 failed reads and 3 failed writes, and not one failed request
assert.equal(down.errors.length, 7);
assert.ok(down.errors.every((error) => StoreConnectionError.isInstance(error)));
console.log("framework-cache: ok");

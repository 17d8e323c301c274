import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { RedisStore } from "@kv/redis";
import { startOutageProxy } from "./outage-proxy.ts";
import { createStack } from "./stack.ts";

// Redis is reached through a proxy, so the example can cut the connection and restore it.
const redisServer = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
const proxy = await startOutageProxy(redisServer);
const { store, redis, fallback } = createStack({
  redisUrl: `redis://127.0.0.1:${proxy.port}/13`, // a database of this example's own
  encryptionKey: randomBytes(32).toString("base64"),
});
const direct = new URL("/13", redisServer);
const raw = new RedisStore({ url: direct.href, namespace: "wrapper-stack" }); // no stack: what Redis holds
const options = { collection: "profiles" };

// 1. Redis is up: values go to Redis, encrypted.
await store.put("ada", { email: "ada@example.com" }, options);
const ada = await store.get("ada", options);
const inRedis = await raw.get("ada", options);

// 2. Redis goes away: retries fail, the circuit opens, writes and reads use the local store.
await proxy.cut();
await store.put("grace", { email: "grace@example.com" }, options);
const graceDuringOutage = await store.get("grace", options);
const adaDuringOutage = await store.get("ada", options); // Redis holds it; the fallback does not
const stateDuringOutage = fallback.circuitState;

// 3. Redis is back: after the cool-down one call probes it and the circuit closes.
await proxy.restore();
await sleep(300);
let adaAfter = await store.get("ada", options);
for (let attempt = 0; adaAfter === undefined && attempt < 20; attempt++) {
  await sleep(100); // the client reconnects in the background
  adaAfter = await store.get("ada", options);
}
const stats = store.snapshot().collections.profiles;

console.log({ ada, inRedis, graceDuringOutage, adaDuringOutage, stateDuringOutage, adaAfter });
console.log("profiles:", {
  gets: stats?.gets,
  hits: stats?.hits,
  puts: stats?.puts,
  errors: stats?.errors,
});

await raw.destroy();
await Promise.all([raw.close(), redis.close()]);
await proxy.cut();

assert.deepEqual(ada, { email: "ada@example.com" });
assert.ok(typeof inRedis?.__encrypted_data__ === "string");
assert.ok(!JSON.stringify(inRedis).includes("ada@example.com"));
assert.deepEqual(graceDuringOutage, { email: "grace@example.com" });
assert.equal(adaDuringOutage, undefined);
assert.equal(stateDuringOutage, "open");
assert.deepEqual(adaAfter, { email: "ada@example.com" });
assert.equal(fallback.circuitState, "closed");
assert.equal(stats?.puts, 2);
assert.equal(stats?.errors, 0); // the application saw no failure
console.log("wrapper-stack: ok");

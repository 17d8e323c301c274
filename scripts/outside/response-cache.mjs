// A response cache as an application outside this repository writes it, with the packages
// installed from their tarballs: it keeps answering while Redis is down (each cache call failing
// fast), and uses the cache again once Redis is back. Exits non-zero when either promise breaks.
// Usage: node response-cache.mjs PORT   (nothing may listen on 127.0.0.1:PORT at the start)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { isTransientError } from "@kv/protocol";
import { RedisStore } from "@kv/redis";

const port = Number(process.argv[2]);
const cache = new RedisStore({ url: `redis://127.0.0.1:${port}`, namespace: "outside-check" });
let computed = 0;

/** Answers a request from the cache, or computes it; a cache outage only costs the cache. */
async function handle(path) {
  try {
    const hit = await cache.get(path, { collection: "responses" });
    if (hit !== undefined) return { ...hit, cached: true };
  } catch (error) {
    if (!isTransientError(error)) throw error;
  }
  computed += 1;
  const body = { path, answer: path.length };
  try {
    await cache.put(path, body, { collection: "responses", ttl: "1m" });
  } catch (error) {
    if (!isTransientError(error)) throw error;
  }
  return { ...body, cached: false };
}

async function timed(call) {
  const started = performance.now();
  const result = await call();
  return [result, performance.now() - started];
}

// 1. Redis is down: the first request learns it (bounded by the connect timeout), every later
//    request fails over to computing in well under 50 ms.
const [, firstMs] = await timed(() => handle("/first"));
const downMs = [];
for (let request = 0; request < 20; request++) {
  const [response, ms] = await timed(() => handle(`/down/${request % 3}`));
  assert.equal(response.cached, false);
  downMs.push(ms);
}
const slowest = Math.max(...downMs);
console.log(
  `down: first request ${firstMs.toFixed(1)} ms, then 20 requests in ${downMs.reduce((a, b) => a + b, 0).toFixed(1)} ms (slowest ${slowest.toFixed(1)} ms)`,
);
assert.ok(slowest < 50, `a request took ${slowest.toFixed(1)} ms while Redis was known down`);

// 2. Redis starts: without a new store, requests are served from the cache again.
const server = spawn(
  "redis-server",
  ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
  { stdio: "ignore" },
);
try {
  const startedAt = performance.now();
  let hit = false;
  while (!hit && performance.now() - startedAt < 15_000) {
    await handle("/again");
    hit = (await handle("/again")).cached;
    if (!hit) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const recoveredMs = performance.now() - startedAt;
  console.log(`up: cache hits again ${recoveredMs.toFixed(0)} ms after redis-server was started`);
  assert.ok(hit, "the cache was not used again within 15 s of Redis starting");
  await cache.destroy();
} finally {
  await cache.close();
  server.kill("SIGTERM");
}
console.log(`response-cache: ok (${computed} responses computed)`);

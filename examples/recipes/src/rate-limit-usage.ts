import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { ManualClock, supportsIncrement } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { FixedWindowLimiter } from "./rate-limit.ts";

const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
const store = new MemoryStore({ clock });
const limiter = new FixedWindowLimiter(store, { limit: 3, windowSeconds: 60, clock });

// Five calls at once: three pass, two are refused until the minute is over.
const burst = await Promise.all(Array.from({ length: 5 }, () => limiter.take("ada")));
assert.deepEqual(burst.map((decision) => decision.allowed).sort(), [
  false,
  false,
  true,
  true,
  true,
]);

// Each client has its own count.
assert.equal((await limiter.take("grace")).allowed, true);

// The next window starts from zero; the old window's key has expired with it.
clock.advanceSeconds(60);
assert.deepEqual(await limiter.take("ada"), { allowed: true, remaining: 2, resetSeconds: 60 });
assert.deepEqual(await store.keys({ collection: "rate-limits" }), ["ada@1767268860"]);

// On Redis, two servers with a limiter each share one limit exactly.
const url = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
url.pathname = "/12";
const servers = [0, 1].map(() => new RedisStore({ url: url.href, namespace: "rate-limit-recipe" }));
await servers[0]?.destroy();
const limiters = servers.map((server) => {
  if (!supportsIncrement(server)) throw new Error("this store cannot count atomically");
  return new FixedWindowLimiter(server, { limit: 10, windowSeconds: 3600 });
});
const calls = await Promise.all(Array.from({ length: 40 }, (_, i) => limiters[i % 2]?.take("ada")));
assert.equal(calls.filter((decision) => decision?.allowed).length, 10);
await servers[0]?.destroy();
await Promise.all(servers.map((server) => server.close()));

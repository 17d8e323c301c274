import assert from "node:assert/strict";
import { RedisInvalidationBus, TieredStore } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { RedisStore } from "@kv/redis";
import { Redis } from "ioredis";

const url = process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6379";
// Pub/sub takes over a connection, so the bus listens on a client of its own.
const [publisher, subscriber] = [new Redis(url), new Redis(url)];
const bus = new RedisInvalidationBus({ publisher, subscriber });
await bus.ready();

const l1 = new MemoryStore({ maxEntries: 10_000 });
const l2 = new RedisStore({ url });
const store = new TieredStore([l1, l2], { bus, maxUpperTtl: "5m" });

await store.put("user:1", { name: "Ada" }, { ttl: "1h" }); // Redis first, then L1, then published
assert.deepEqual(await store.get("user:1"), { name: "Ada" }); // answered by L1

await l1.delete("user:1"); // as if L1 had evicted it
assert.deepEqual(await store.get("user:1"), { name: "Ada" }); // from Redis, copied back into L1
const [, ttl] = await l1.ttl("user:1");
assert.ok(ttl !== undefined && ttl <= 300); // never longer than Redis's, nor than maxUpperTtl

await store.delete("user:1"); // from Redis, then L1, then published
await store.close?.(); // stops listening, closes L2; the bus stays open for other stores
await bus.close(); // unsubscribes; the clients are yours to quit
await Promise.all([publisher.quit(), subscriber.quit()]);

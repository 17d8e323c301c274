import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { SerializationError, supportsDestroyCollection, typed } from "@kv/protocol";
import { StatisticsWrapper } from "@kv/statistics";

// Keyv's `namespace: "users"` is a collection here, named per call or as the store's default.
const store = new StatisticsWrapper(new MemoryStore({ defaultCollection: "users" }));

// TTLs are seconds, or a duration string. Keyv's `ttl: 60000` (a minute there) is 16.7 hours here.
await store.put("session", { user: "ada" }, { collection: "sessions", ttl: "1m" });
const [, secondsLeft] = await store.ttl("session", { collection: "sessions" });
assert.equal(Math.round(secondsLeft ?? 0), 60);

// Values are JSON objects: wrap a primitive, and store a date as its ISO string.
await store.put("greeting", { text: "hello" });
await store.put("ada", { name: "Ada", joined: new Date("2024-05-01").toISOString() });
await assert.rejects(store.put("grace", { joined: new Date() }), SerializationError);

// `get<T>()` becomes a typed view of the same store (no run-time check: see the adapters).
interface User {
  name: string;
  joined: string;
}
const users = typed<User>(store);
const ada = await users.get("ada"); // User | undefined
assert.equal(ada?.name, "Ada");

// `clear()` empties one namespace: `destroyCollection` empties one collection, `destroy()` all.
// Through a wrapper, the guard says whether the store underneath can.
if (supportsDestroyCollection(store)) await store.destroyCollection("users");
assert.equal(await store.get("ada"), undefined);
assert.deepEqual(await store.get("session", { collection: "sessions" }), { user: "ada" });

// Hit and miss events become counters you read when you need them.
const { hits, misses } = store.snapshot().collections.users ?? { hits: 0, misses: 0 };
assert.deepEqual({ hits, misses }, { hits: 1, misses: 1 });

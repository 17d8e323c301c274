import assert from "node:assert/strict";
import { createCache, parseDuration } from "@kv/cache";
import { MemoryStore } from "@kv/memory";

const cache = createCache(new MemoryStore(), { ttl: "10m" }); // the default of every call

let queries = 0;
async function loadUser(id: string) {
  queries += 1; // a database query, an API call ...
  return { id, name: id === "1" ? "Ada Lovelace" : "Grace Hopper" };
}

// A miss runs the factory and caches its result for the TTL; the next call reads the cache.
const ada = await cache.getOrSet("user:1", () => loadUser("1"));
assert.deepEqual(await cache.getOrSet("user:1", () => loadUser("1")), ada);
assert.equal(queries, 1);

// Concurrent callers of one key share one run of the factory.
const users = await Promise.all(
  Array.from({ length: 20 }, () => cache.getOrSet("user:2", () => loadUser("2"))),
);
assert.equal(queries, 2);
assert.deepEqual(users[19], { id: "2", name: "Grace Hopper" });

// Any JSON value can be cached; options given to a call override the cache's for that call.
const count = await cache.getOrSet("users", async () => 2, { ttl: 30, collection: "counts" });
assert.equal(count, 2);
assert.equal(parseDuration("2h30m"), 9000); // TTLs are seconds, or durations such as "2h30m"

// get, set and delete act on the cache directly; get never runs a factory.
await cache.set("user:3", { id: "3", name: "Alan Turing" }, { ttl: "1h" });
assert.deepEqual(await cache.get("user:3"), { id: "3", name: "Alan Turing" });
assert.equal(await cache.delete("user:1"), true); // invalidated: the next getOrSet computes
assert.equal(await cache.get("user:1"), undefined);

import assert from "node:assert/strict";
import { createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";

const cache = createCache(new MemoryStore(), { ttl: 60 });
await cache.getOrSet("a", async () => 1); // a miss: the factory runs
await cache.getOrSet("a", async () => 2); // a hit
await cache.get("b"); // a miss (get never computes)
await cache.getOrSet("c", async () => Promise.reject(new Error("down"))).catch(() => {});

const { since, ...counts } = cache.statistics(); // a copy: this process's counts
assert.ok(since <= Date.now());
assert.deepEqual(counts, {
  hits: 1,
  misses: 3,
  staleHits: 0,
  factoryRuns: 2,
  factoryErrors: 1,
  lockWaits: 0, // waits for another process's lease
  lockTakeovers: 0, // leases taken over from a holder that died
});
cache.resetStatistics(); // counting starts again
assert.equal(cache.statistics().hits, 0);

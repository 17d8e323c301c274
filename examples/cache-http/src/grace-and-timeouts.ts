import assert from "node:assert/strict";
import { createCache, FactoryTimeoutError } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { ManualClock } from "@kv/protocol";

type Rates = { eur: number };
/** A factory result the snippet hands over when it chooses: a slow upstream. */
function slowCall<T>() {
  let finish: (value: T) => void = () => {};
  const result = new Promise<T>((resolve) => {
    finish = resolve;
  });
  return { call: () => result, finish };
}

const clock = new ManualClock();
const cache = createCache(new MemoryStore({ clock }), { clock, ttl: "1m", grace: "10m" });
await cache.getOrSet("rates", async (): Promise<Rates> => ({ eur: 1.08 }));
clock.advanceSeconds(61); // stale now, but within its grace period

// The stale value is served at once while one caller refreshes it in the background; callers
// arriving meanwhile get the stale value too, and join that refresh rather than start another.
const refresh = slowCall<Rates>();
assert.deepEqual(await cache.getOrSet("rates", refresh.call), { eur: 1.08 });
assert.deepEqual(await cache.getOrSet("rates", refresh.call), { eur: 1.08 });
// softTimeoutMs: wait up to that long for the refresh before settling for the stale value.
const patient = cache.getOrSet("rates", refresh.call, { softTimeoutMs: 5_000 });
refresh.finish({ eur: 1.09 });
assert.deepEqual(await patient, { eur: 1.09 });
assert.equal(cache.statistics().factoryRuns, 2); // the first computation and one refresh

// hardTimeoutMs: with no stale value, a caller waits at most that long for the factory. The
// factory goes on, and its value is cached for the callers after it.
const quote = slowCall<{ price: number }>();
await assert.rejects(cache.getOrSet("quote", quote.call, { hardTimeoutMs: 50 }), (error) =>
  FactoryTimeoutError.isInstance(error),
);
quote.finish({ price: 10 });
assert.deepEqual(await cache.getOrSet("quote", quote.call), { price: 10 });
assert.equal(cache.statistics().factoryRuns, 3);

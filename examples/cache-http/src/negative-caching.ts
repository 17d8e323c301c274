import assert from "node:assert/strict";
import { CachedFactoryError, createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";

let calls = 0;
async function failing(): Promise<never> {
  calls += 1;
  throw new Error("upstream down");
}

// By default a factory error reaches every caller waiting for that run, and is not cached:
// the next call runs the factory again.
const cache = createCache(new MemoryStore(), { ttl: "1h" });
const together = await Promise.allSettled([
  cache.getOrSet("a", failing),
  cache.getOrSet("a", failing),
]);
assert.deepEqual(
  together.map((result) => result.status === "rejected" && (result.reason as Error).message),
  ["upstream down", "upstream down"],
);
assert.equal(calls, 1);
await assert.rejects(cache.getOrSet("a", failing), /upstream down/);
assert.equal(calls, 2);

// Negative caching, off by default: cacheErrors keeps the error for negativeTtl and serves it
// again as CachedFactoryError; cacheUndefined keeps an undefined result ("not found").
const negative = createCache(new MemoryStore(), {
  ttl: "1h",
  negativeTtl: 30,
  cacheErrors: true,
  cacheUndefined: true,
});
await assert.rejects(negative.getOrSet("b", failing), /upstream down/); // the original error
const served = await negative.getOrSet("b", failing).catch((error: unknown) => error);
assert.ok(CachedFactoryError.isInstance(served));
assert.equal(served.cachedName, "Error");
assert.match(served.message, /^upstream down/); // the original message, with the key
assert.equal(calls, 3); // the cached error was served without running the factory

let lookups = 0;
const findUser = async () => {
  lookups += 1;
  return undefined; // no such user
};
assert.equal(await negative.getOrSet("user:404", findUser), undefined);
assert.equal(await negative.getOrSet("user:404", findUser), undefined);
assert.equal(lookups, 1);

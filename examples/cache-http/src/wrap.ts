import assert from "node:assert/strict";
import { createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";

const cache = createCache(new MemoryStore(), { ttl: "5m" });

let requests = 0;
async function fetchWeather(city: string, unit: "C" | "F") {
  requests += 1; // a slow API
  return { city, unit, temperature: unit === "C" ? 21 : 70 };
}

// wrap memoizes a function: the key is made from its arguments, and every call has the
// guarantees of getOrSet (one computation per key, across processes with a lease ...).
const weather = cache.wrap(fetchWeather, {
  key: (city, unit) => `weather:${city}:${unit}`,
  ttl: "10m",
});
await Promise.all([weather("Paris", "C"), weather("Paris", "C")]);
assert.deepEqual(await weather("Paris", "C"), { city: "Paris", unit: "C", temperature: 21 });
assert.equal(requests, 1);
assert.deepEqual(await weather("Paris", "F"), { city: "Paris", unit: "F", temperature: 70 });
assert.equal(requests, 2);

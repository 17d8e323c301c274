import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { MemoryStore } from "@kv/memory";
import { ManualClock } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { GetOrCompute } from "./get-or-compute.ts";

interface Profile {
  id: string;
  name: string;
}

let queries = 0;
/** The slow source the cache stands in front of (a database, an API ...). */
async function loadProfile(id: string): Promise<Profile> {
  queries++;
  await sleep(20);
  if (id === "missing") throw new Error(`no profile ${id}`);
  return { id, name: id.toUpperCase() };
}

const clock = new ManualClock();
const profiles = new GetOrCompute<Profile>(new MemoryStore({ clock }), {
  collection: "profiles",
  ttl: "5m",
});

// Ten concurrent misses of one key: one query, ten identical answers.
const answers = await Promise.all(
  Array.from({ length: 10 }, () => profiles.get("ada", () => loadProfile("ada"))),
);
assert.equal(queries, 1);
assert.ok(answers.every((answer) => answer.name === "ADA"));

// Later calls are served from the store until the TTL runs out.
await profiles.get("ada", () => loadProfile("ada"));
assert.equal(queries, 1);
clock.advanceSeconds(5 * 60);
await profiles.get("ada", () => loadProfile("ada"));
assert.equal(queries, 2);

// A failed computation reaches every waiting caller and is not stored: the next call tries again.
const failed = await Promise.allSettled([
  profiles.get("missing", () => loadProfile("missing")),
  profiles.get("missing", () => loadProfile("missing")),
]);
assert.deepEqual(
  failed.map((outcome) => outcome.status),
  ["rejected", "rejected"],
);
assert.equal(queries, 3);

// A store that is down costs a computation per call, never an error.
const down = new RedisStore({ url: "redis://127.0.0.1:1", timeoutMs: 200 }); // nothing listens there
const uncached = new GetOrCompute<Profile>(down, { ttl: 60 });
assert.equal((await uncached.get("grace", () => loadProfile("grace"))).name, "GRACE");
await down.close();

import assert from "node:assert/strict";
import { setTimeout } from "node:timers/promises";
import { createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { NullStore } from "@kv/null";
import { ManualClock } from "@kv/protocol";

// Two caches on one store stand for two processes sharing a Redis: each coalesces its own
// callers, and the lease, taken with putIfAbsent on the shared store, makes one of them compute.
const clock = new ManualClock(); // moved by hand below, instead of waiting for a lease to expire
const shared = new MemoryStore({ clock });
const [serverA, serverB] = [createCache(shared, { clock }), createCache(shared, { clock })];
assert.equal(serverA.stampedeProtection, "lease");

let runs = 0;
async function buildReport() {
  runs += 1;
  await setTimeout(50); // slow
  return { total: 42 };
}
const reports = await Promise.all(
  [serverA, serverB].flatMap((cache) =>
    Array.from({ length: 25 }, () => cache.getOrSet("report", buildReport)),
  ),
);
assert.equal(runs, 1); // 50 callers in two "processes", one computation
assert.equal(reports.length, 50);

// A holder that dies mid-computation (here: a factory that never ends) keeps the lease until
// its TTL passes; a process waiting for the value then takes the lease over and computes.
const leaseOptions = { clock, lockTtl: "10s", lockWaitMs: 60_000 };
const [dying, survivor] = [createCache(shared, leaseOptions), createCache(shared, leaseOptions)];
void dying.getOrSet("slow", () => new Promise<never>(() => {}));
while (dying.statistics().factoryRuns === 0) await setTimeout(5);
const taken = survivor.getOrSet("slow", async () => ({ total: 7 }));
while (survivor.statistics().lockWaits === 0) await setTimeout(5);
clock.advanceSeconds(11); // the dead holder's lease expires
assert.deepEqual(await taken, { total: 7 });
assert.equal(survivor.statistics().lockTakeovers, 1);

// A store without putIfAbsent (the null store, a store of your own ...) gives protection
// within the process only: each process computes a missing key once.
assert.equal(createCache(new NullStore()).stampedeProtection, "process");

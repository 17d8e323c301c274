import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { ManualClock } from "@kv/protocol";
import { FixedWindowLimiter } from "./rate-limit.ts";

const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
const store = new MemoryStore({ clock });
const limiter = new FixedWindowLimiter(store, { limit: 3, windowSeconds: 60, clock });

// Five calls at once: three pass, two are refused until the minute is over.
const burst = await Promise.all(Array.from({ length: 5 }, () => limiter.take("ada")));
assert.deepEqual(
  burst.map((decision) => decision.allowed),
  [true, true, true, false, false],
);
assert.deepEqual(burst[2], { allowed: true, remaining: 0, resetSeconds: 60 });

// Each client has its own count.
assert.equal((await limiter.take("grace")).allowed, true);

// The next window starts from zero; the old window's key has expired with it.
clock.advanceSeconds(60);
assert.deepEqual(await limiter.take("ada"), { allowed: true, remaining: 2, resetSeconds: 60 });
assert.deepEqual(await store.keys({ collection: "rate-limits" }), ["ada@1767268860"]);

import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { LocalCounters, racyAdd } from "./counters.ts";

const store = new MemoryStore();

// Two concurrent get-then-put additions: both read 0, both write 1. One page view is lost.
await Promise.all([racyAdd(store, "views", 1), racyAdd(store, "views", 1)]);
assert.deepEqual(await store.get("views"), { count: 1 });

// Queued one after the other in this process, none is lost.
const counters = new LocalCounters(store);
await Promise.all(Array.from({ length: 100 }, () => counters.add("views", 1)));
assert.deepEqual(await store.get("views", { collection: "counters" }), { count: 100 });

// A maximum makes it a quota: additions past it are refused and change nothing.
const added = await Promise.all(
  Array.from({ length: 5 }, () => counters.add("exports", 1, { max: 3, ttl: "1d" })),
);
assert.deepEqual(added, [1, 2, 3, undefined, undefined]);

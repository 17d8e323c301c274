import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { type KeyValue, supportsIncrement } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { racyAdd } from "./counters.ts";

// Two concurrent get-then-put additions: both read 0, both write 1. One page view is lost.
const memory = new MemoryStore();
await Promise.all([racyAdd(memory, "views", 1), racyAdd(memory, "views", 1)]);
assert.deepEqual(await memory.get("views"), { count: 1 });

/** 100 concurrent additions split between two clients of one store: none is lost. */
async function count(store: KeyValue, other: KeyValue) {
  if (!supportsIncrement(store) || !supportsIncrement(other)) throw new Error("no increment");
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => (i % 2 ? store : other).increment("hits")),
  );
  assert.deepEqual(await store.get("hits"), { count: 100 });
  assert.equal(await store.increment("hits", { by: -10 }), 90);
}

await count(memory, memory);

// Two clients of one Redis database, as two servers of an application would have.
const url = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
url.pathname = "/12"; // a database of this example's own
const first = new RedisStore({ url: url.href, namespace: "counters-recipe" });
const second = new RedisStore({ url: url.href, namespace: "counters-recipe" });
await first.destroy();
await count(first, second);
await first.destroy();
await Promise.all([first.close(), second.close()]);

import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import {
  type KeyValue,
  NotACounterError,
  supportsIncrement,
  supportsPutIfAbsent,
  supportsTouch,
  supportsVersions,
  updateWithRetry,
} from "@kv/protocol";

const store: KeyValue = new MemoryStore();
if (
  !supportsPutIfAbsent(store) ||
  !supportsVersions(store) ||
  !supportsIncrement(store) ||
  !supportsTouch(store)
) {
  throw new Error("this store lacks an atomic operation");
}

// putIfAbsent: exactly one of many concurrent claims wins.
const claims = await Promise.all(
  [1, 2, 3].map((worker) => store.putIfAbsent("job:42", { worker }, { ttl: "30s" })),
);
assert.deepEqual(claims, [true, false, false]);

// increment: a counter is the value { count }, readable by any client.
assert.equal(await store.increment("views"), 1);
assert.equal(await store.increment("views", { by: 9 }), 10);
assert.deepEqual(await store.get("views"), { count: 10 });
await store.put("name", { first: "Ada" });
await assert.rejects(store.increment("name"), NotACounterError.isInstance);

// Versions: a write names the version it read, and loses if someone wrote in between.
const read = await store.getVersioned("name");
await store.put("name", { first: "Grace" });
assert.equal(await store.putIfVersion("name", { first: "Alan" }, read?.version ?? ""), false);

// updateWithRetry reads, computes and writes with the version, retrying on conflict.
await updateWithRetry(store, "name", (current) => ({ ...current, last: "Hopper" }));
assert.deepEqual(await store.get("name"), { first: "Grace", last: "Hopper" });

// touch: a new TTL without rewriting the value.
assert.equal(await store.touch("job:42", { ttl: "1h" }), true);
assert.ok(((await store.ttl("job:42"))[1] ?? 0) > 3500);

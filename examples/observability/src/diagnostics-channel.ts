import assert from "node:assert/strict";
import { tracingChannel } from "node:diagnostics_channel";
import { MemoryStore } from "@kv/memory";
import { type StoreOperationEvent, TRACED_OPERATIONS, tracingChannelName } from "@kv/protocol";

// One subscriber for every operation: each call's store, operation, collection, key count,
// outcome and duration.
const calls: string[] = [];
const durationsMs: number[] = [];
const started = new WeakMap<StoreOperationEvent, number>();
const subscriber = {
  start: (event: StoreOperationEvent) => started.set(event, performance.now()),
  end: () => {},
  asyncStart: () => {},
  asyncEnd: (event: StoreOperationEvent) => {
    const outcome = event.error === undefined ? "ok" : (event.error as Error).name;
    calls.push(
      `${event.system} ${event.operation} ${event.collection} ×${event.keyCount} ${outcome}`,
    );
    durationsMs.push(performance.now() - (started.get(event) ?? 0));
  },
  error: () => {},
};
const channels = TRACED_OPERATIONS.map((operation) =>
  tracingChannel<StoreOperationEvent>(tracingChannelName(operation)),
);
for (const channel of channels) channel.subscribe(subscriber);

const store = new MemoryStore();
await store.put("cart-7", { items: 3 }, { collection: "carts" });
await store.getMany(["cart-7", "cart-8"], { collection: "carts" });
await store.putIfAbsent("lock:cart-7", { owner: "worker-1" }, { ttl: 30 });
await assert.rejects(store.get("", { collection: "carts" }));

for (const channel of channels) channel.unsubscribe(subscriber);
await store.get("cart-7", { collection: "carts" }); // nobody listens: nothing is published

assert.equal(durationsMs.length, 4);
assert.deepEqual(calls, [
  "memory put carts ×1 ok",
  "memory getMany carts ×2 ok",
  "memory putIfAbsent default_collection ×1 ok",
  "memory get carts ×1 InvalidKeyError",
]);

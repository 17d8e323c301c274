import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { isTransientError, type KeyValue, StoreConnectionError, supportsKeys } from "@kv/protocol";
import { CompressionWrapper, NotCompressedError } from "./compression-wrapper.ts";
import { TimeoutWrapper } from "./timeout-wrapper.ts";

const memory = new MemoryStore();
const store = new TimeoutWrapper(new CompressionWrapper(memory), { timeoutMs: 200 });

const report = {
  title: "Quarterly",
  rows: Array.from({ length: 500 }, (_, n) => ({ n, ok: true })),
};
await store.put("q1", report, { collection: "reports" });
const readBack = await store.get("q1", { collection: "reports" });
const stored = await memory.get("q1", { collection: "reports" });
const storedBytes = JSON.stringify(stored).length;

// A value written around the wrapper is refused with the wrapper's own error class.
await memory.put("plain", { n: 1 }, { collection: "reports" });
const notCompressed = await store
  .get("plain", { collection: "reports" })
  .catch((error: unknown) => error);

// A store that never answers: the timeout turns the hang into a transient, typed error.
const hanging = new Proxy(new MemoryStore(), {
  get: (target, name, receiver) =>
    name === "get" ? () => new Promise(() => {}) : Reflect.get(target, name, receiver),
}) as KeyValue;
const timedOut = await new TimeoutWrapper(hanging, { timeoutMs: 50 })
  .get("anything")
  .catch((error: unknown) => error);

console.log({ valueBytes: JSON.stringify(report).length, storedBytes, timedOut: String(timedOut) });

assert.deepEqual(readBack, report);
assert.ok(typeof stored?.gzip === "string" && storedBytes < JSON.stringify(report).length / 5);
assert.ok(NotCompressedError.isInstance(notCompressed));
assert.ok(!isTransientError(notCompressed)); // so retry and fallback leave it alone
assert.ok(StoreConnectionError.isInstance(timedOut) && isTransientError(timedOut));
assert.ok(supportsKeys(store)); // wrappers keep the inner store's capabilities
assert.deepEqual((await store.keys({ collection: "reports" })).sort(), ["plain", "q1"]);
console.log("custom-wrapper: ok (the conformance suite runs next)");

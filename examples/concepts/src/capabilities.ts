import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { NullStore } from "@kv/null";
import { type KeyValue, supportsCull, supportsKeys } from "@kv/protocol";
import { RetryWrapper } from "@kv/retry";

/** Lists a collection's keys when the store can enumerate them. */
async function listKeys(store: KeyValue, collection: string): Promise<string[] | "unsupported"> {
  if (!supportsKeys(store)) return "unsupported"; // the guard narrows the type, too
  const keys: string[] = [];
  for await (const key of store.iterateKeys({ collection })) keys.push(key); // bounded memory
  return keys.sort();
}

const memory = new MemoryStore();
await memory.putMany(
  [
    ["ada", { n: 1 }],
    ["alan", { n: 2 }],
  ],
  { collection: "users" },
);

assert.deepEqual(await listKeys(memory, "users"), ["ada", "alan"]);
assert.equal(await listKeys(new NullStore(), "users"), "unsupported");

// A wrapper has exactly the capabilities of the store it wraps.
const retried = new RetryWrapper(memory);
assert.deepEqual(await listKeys(retried, "users"), ["ada", "alan"]);
assert.equal(supportsCull(retried), supportsCull(memory));
assert.equal(supportsKeys(new RetryWrapper(new NullStore())), false);

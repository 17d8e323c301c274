import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import {
  InvalidKeyError,
  KeyValueError,
  SerializationError,
  StoreConnectionError,
  StoreError,
} from "@kv/protocol";
import { RedisStore } from "@kv/redis";

const store = new MemoryStore();

// Bad input: a typed error, and nothing is written.
const badKey = await store.put("", { n: 1 }).catch((error: unknown) => error);
const badValue = await store.put("k", { when: new Date() }).catch((error: unknown) => error);
assert.ok(InvalidKeyError.isInstance(badKey) && badKey.code === "INVALID_KEY");
assert.ok(SerializationError.isInstance(badValue) && badValue.key === "k");
assert.equal(await store.get("k"), undefined);

// The backend fails: a StoreError (StoreConnectionError when unreachable), the driver's error as cause.
const unreachable = new RedisStore({ url: "redis://127.0.0.1:1", timeoutMs: 300 });
const down = await unreachable.get("k", { collection: "users" }).catch((error: unknown) => error);
await unreachable.close();
assert.ok(StoreConnectionError.isInstance(down)); // transient: worth a retry or a fallback
assert.ok(StoreError.isInstance(down) && KeyValueError.isInstance(down));
assert.ok(down.cause instanceof Error);
assert.match(down.message, /\(operation: get, collection: users, key: k\)$/);

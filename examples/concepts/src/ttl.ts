import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { InvalidTtlError, ManualClock } from "@kv/protocol";

const clock = new ManualClock(); // time stands still until moved: no sleeping in tests
const store = new MemoryStore({ clock });

await store.put("otp", { code: "123456" }, { ttl: 30 }); // seconds
await store.put("profile", { name: "Ada" }); // never expires

assert.deepEqual(await store.ttl("otp"), [{ code: "123456" }, 30]);
assert.deepEqual(await store.ttl("profile"), [{ name: "Ada" }, undefined]);

clock.advanceSeconds(29.5);
assert.deepEqual(await store.ttl("otp"), [{ code: "123456" }, 0.5]);
clock.advanceSeconds(0.5);
assert.equal(await store.get("otp"), undefined); // expired entries are never returned
assert.deepEqual(await store.ttl("otp"), [undefined, undefined]);

// Writing again replaces the value and its expiry; fractions keep millisecond precision.
await store.put("profile", { name: "Ada" }, { ttl: 0.25 });
await assert.rejects(store.put("otp", { code: "1" }, { ttl: 0 }), InvalidTtlError);

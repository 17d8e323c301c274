import assert from "node:assert/strict";
import { fromUnstorage } from "@kv/unstorage";
import { createStorage, prefixStorage } from "unstorage";

// Any unstorage storage (any driver, mounts included); here part of one, under "kv".
const storage = createStorage();
await storage.setItem("app:settings", { theme: "dark" });
const store = fromUnstorage(prefixStorage(storage, "kv"));

await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 3600 });
assert.deepEqual(await store.get("u1", { collection: "users" }), { name: "Ada" });
assert.deepEqual(await store.collections(), ["users"]);

// Entries live under <collection>:@:<key>, inside the prefix.
assert.deepEqual(await storage.getKeys("kv"), ["kv:users:@:u1"]);

// destroy() clears what the store was given: the prefix, not the rest of the storage.
await store.destroy();
assert.deepEqual(await storage.getKeys(), ["app:settings"]);

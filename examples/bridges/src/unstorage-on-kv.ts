import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { kvDriver } from "@kv/unstorage";
import { createStorage } from "unstorage";

// unstorage on a @kv store, mounted at a base beside unstorage's default memory driver.
const store = new MemoryStore();
const storage = createStorage();
storage.mount("cache", kvDriver({ store, collection: "nitro", ttl: 3600 }));

await storage.setItem("cache:pages/home", { html: "<h1>Hi</h1>" }, { ttl: 60 });
await storage.setItem("cache:pages/about", { html: "<h1>About</h1>" });
await storage.setItem("local:draft", "not cached");

assert.deepEqual(await storage.getItem("cache:pages:home"), { html: "<h1>Hi</h1>" });
assert.deepEqual((await storage.getKeys("cache:pages")).sort(), [
  "cache:pages:about",
  "cache:pages:home",
]);

// The store holds unstorage's normalized keys, relative to the mount, with their TTLs.
const [value, ttl] = await store.ttl("pages:home", { collection: "nitro" });
assert.deepEqual(value, { html: "<h1>Hi</h1>" });
assert.ok(ttl !== undefined && ttl > 59 && ttl <= 60);
assert.ok(((await store.ttl("pages:about", { collection: "nitro" }))[1] ?? 0) > 3590);

// Clearing the mount clears the collection, and nothing else.
await storage.clear("cache");
assert.deepEqual(await storage.getKeys(), ["local:draft"]);

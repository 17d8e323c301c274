import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";

const store = new MemoryStore();

await store.put("42", { name: "Ada" }, { collection: "users" });
await store.put("42", { totalCents: 950 }, { collection: "orders" }); // same key, another entry
await store.put("theme", { dark: true }); // no collection: "default_collection"

assert.deepEqual(await store.get("42", { collection: "users" }), { name: "Ada" });
assert.deepEqual(await store.get("42", { collection: "orders" }), { totalCents: 950 });
assert.equal(await store.get("theme", { collection: "users" }), undefined);
assert.deepEqual(await store.get("theme", { collection: "default_collection" }), { dark: true });

// Any non-empty string is a name; no two (collection, key) pairs ever meet.
await store.put("b", { n: 1 }, { collection: "a::" });
await store.put(":b", { n: 2 }, { collection: "a:" });
assert.deepEqual(await store.get("b", { collection: "a::" }), { n: 1 });

// A whole collection goes at once, on stores that can (see capabilities).
assert.equal(await store.destroyCollection("orders"), true);
assert.deepEqual(await store.get("42", { collection: "users" }), { name: "Ada" });

import assert from "node:assert/strict";
import { fromKeyv } from "@kv/keyv";
import { supportsKeys } from "@kv/protocol";

// Any Keyv storage adapter (@keyv/redis, @keyv/postgres, @keyv/etcd ...); here Keyv's own Map.
const adapter = new Map<string, unknown>();
const store = fromKeyv(adapter);

await store.putMany(
  [
    ["u1", { name: "Ada" }],
    ["u2", { name: "Grace" }],
  ],
  { collection: "users", ttl: "1h" },
);
assert.deepEqual(await store.getMany(["u1", "u2"], { collection: "users" }), [
  { name: "Ada" },
  { name: "Grace" },
]);

// One py-key-value document per entry, under <collection>::<key>.
assert.deepEqual([...adapter.keys()], ["users::u1", "users::u2"]);
assert.equal(JSON.parse(String(adapter.get("users::u1"))).collection, "users");

// A Map can be iterated, so the store lists keys.
assert.ok(supportsKeys(store));
assert.deepEqual((await store.keys({ collection: "users" })).sort(), ["u1", "u2"]);

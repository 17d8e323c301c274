import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { ValidationError } from "@kv/zod";
import { type Order, repositories, type User } from "./models.ts";

const store = new MemoryStore();
const { users, orders, tags } = repositories(store);

// Writes are validated and normalised; reads are typed.
await users.put("ada", { name: "Ada", email: " Ada@Example.com ", joined: "2024-05-01" });
const ada: User | undefined = await users.get("ada");

// A bad model is refused before anything is written, with zod's issues.
const refused = await orders
  .put("o1", { user: "ada", lines: [{ sku: "kv-1", quantity: 2, cents: 500 }], totalCents: 999 })
  .catch((error: unknown) => error);
await orders.put("o2", {
  user: "ada",
  lines: [{ sku: "kv-1", quantity: 2, cents: 500 }],
  totalCents: 1000,
});
const order: Order | undefined = await orders.get("o2");

// An entry in an older shape (written by an earlier release) reads as the current type.
await store.put(
  "grace",
  { fullName: "Grace Hopper", mail: "GRACE@example.com" },
  { collection: "users" },
);
const grace = await users.get("grace");

// Data the schema rejects: throw (the default), or read it as missing.
await store.put("broken", { name: 42 }, { collection: "users" });
const broken = await users.get("broken").catch((error: unknown) => error);
const skipped = await users.get("broken", { onInvalid: "undefined" });

// Non-object models are stored as { "items": ... }, like py-key-value's adapters.
await tags.put("ada", ["math", "engines"]);

console.log({ ada, grace, order, tags: await tags.get("ada") });

assert.deepEqual(ada, { name: "Ada", email: "ada@example.com", roles: [], joined: "2024-05-01" });
assert.deepEqual(await store.get("ada", { collection: "users" }), ada); // stored as validated
assert.ok(ValidationError.isInstance(refused));
assert.deepEqual(
  refused.issues.map((issue) => issue.path),
  [["totalCents"]],
);
assert.equal(await orders.get("o1"), undefined);
assert.equal(order?.totalCents, 1000);
assert.deepEqual(grace, {
  name: "Grace Hopper",
  email: "grace@example.com",
  roles: [],
  joined: "2020-01-01",
});
assert.ok(ValidationError.isInstance(broken) && broken.operation === "get");
assert.equal(skipped, undefined);
assert.deepEqual(await store.get("ada", { collection: "tags" }), { items: ["math", "engines"] });
console.log("typed-models: ok");

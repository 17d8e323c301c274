import assert from "node:assert/strict";
import { ContainerAlreadyConfiguredError, createCaches, NotFoundError } from "@kv/cache";
import { MemoryStore } from "@kv/memory";

// Named containers, each with a backend, an expiry written for people and a generator.
const caches = createCaches({
  backends: { local: new MemoryStore() },
  containers: {
    greeting: { backend: "local", expire: "1m", generator: (name) => `Hello ${name}!` },
  },
});

const greeting = caches.container<string>("greeting");
assert.equal(await greeting.get("Peter"), "Hello Peter!"); // generated, kept for a minute
await greeting.set("Peter", "Good morning, Peter!"); // explicit, whatever is cached
assert.equal(await greeting.get("Peter"), "Good morning, Peter!");
assert.equal(await greeting.delete("Peter"), true); // invalidated: the next get generates
assert.equal(await greeting.get("Peter"), "Hello Peter!");

// Without a generator, a key the container does not hold is a NotFoundError.
const sessions = caches.createContainer<{ user: string }>("sessions", { expire: "30 minutes" });
await assert.rejects(sessions.get("s1"), (error) => NotFoundError.isInstance(error));
await sessions.set("s1", { user: "ada" });
assert.deepEqual(await sessions.get("s1"), { user: "ada" });

// A name is configured once; existOk returns the container already there.
assert.throws(
  () => caches.createContainer("sessions"),
  (error) => ContainerAlreadyConfiguredError.isInstance(error),
);
assert.equal(caches.createContainer("sessions", { existOk: true }), sessions);
caches.registerGenerator("sessions", () => ({ user: "guest" })); // now it generates
assert.deepEqual(await sessions.get("s2"), { user: "guest" });
assert.deepEqual(caches.names().sort(), ["greeting", "sessions"]);

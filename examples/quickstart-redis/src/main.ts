import assert from "node:assert/strict";
import { RedisStore } from "@kv/redis";

// The only change from the memory quick start: another store (and closing it at the end).
// KV_REDIS_URL names your server; without it, Redis's standard port on this machine.
const store = new RedisStore({
  url: process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6379",
  namespace: "quickstart", // every key starts with "quickstart:"; other data is never touched
});

await store.put("ada", { name: "Ada Lovelace", born: 1815 }, { collection: "users" });
await store.put("session-1", { user: "ada" }, { collection: "sessions", ttl: 3600 });
await store.putMany(
  [
    ["grace", { name: "Grace Hopper", born: 1906 }],
    ["alan", { name: "Alan Turing", born: 1912 }],
  ],
  { collection: "users" },
);

const ada = await store.get("ada", { collection: "users" });
const [session, secondsLeft] = await store.ttl("session-1", { collection: "sessions" });
const born = (await store.getMany(["ada", "nobody", "alan"], { collection: "users" })).map(
  (user) => user?.born,
);
const users = (await store.keys({ collection: "users" })).sort();

console.log("users/ada           ", ada);
console.log("sessions/session-1  ", session, `expires in ${Math.round(secondsLeft ?? 0)} s`);
console.log("born (getMany)      ", born);
console.log("keys of users       ", users);

await store.destroy(); // removes the keys of the "quickstart" namespace, nothing else
await store.close();

assert.deepEqual(ada, { name: "Ada Lovelace", born: 1815 });
assert.deepEqual(session, { user: "ada" });
assert.ok(secondsLeft !== undefined && secondsLeft > 3590 && secondsLeft <= 3600);
assert.deepEqual(born, [1815, undefined, 1912]);
assert.deepEqual(users, ["ada", "alan", "grace"]);
console.log("quickstart-redis: ok");

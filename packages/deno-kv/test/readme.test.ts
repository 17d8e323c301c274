import { DenoKvStore } from "@kv/deno-kv";
import { expect, it } from "vitest";

it("writes over an entry only at the versionstamp it was read at", async () => {
  const store = new DenoKvStore({ path: ":memory:" });
  const users = { collection: "users" };
  await store.put("alice", { plan: "free" }, { ...users, ttl: 3600 });
  const read = await store.getVersioned("alice", users);
  expect(read?.value).toEqual({ plan: "free" });
  const version = read?.version ?? "";
  expect(await store.putIfVersion("alice", { plan: "pro" }, version, users)).toBe(true);
  expect(await store.putIfVersion("alice", { plan: "team" }, version, users)).toBe(false);
  expect(await store.get("alice", users)).toEqual({ plan: "pro" });
  expect(await store.increment("visits", { by: 2 })).toBe(2);
  expect(await store.keys(users)).toEqual(["alice"]);
  await store.close();
});

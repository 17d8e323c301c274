import { DenoKvStore } from "@kv/deno-kv";
import { expect, it } from "vitest";

it("stores, counts and lists entries in Deno KV", async () => {
  const store = new DenoKvStore({ path: ":memory:" });
  await store.put("alice", { plan: "pro" }, { collection: "users", ttl: 3600 });
  expect(await store.get("alice", { collection: "users" })).toEqual({ plan: "pro" });
  expect(await store.increment("visits", { by: 2 })).toBe(2);
  expect(await store.keys({ collection: "users" })).toEqual(["alice"]);
  await store.close();
});

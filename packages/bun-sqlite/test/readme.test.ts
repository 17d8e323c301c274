import { BunSqliteStore } from "@kv/bun-sqlite";
import { expect, it } from "vitest";

it("stores, counts and expires entries in a SQLite file", async () => {
  const store = new BunSqliteStore({ path: ":memory:" });
  await store.put("alice", { plan: "pro" }, { collection: "users", ttl: 3600 });
  expect(await store.get("alice", { collection: "users" })).toEqual({ plan: "pro" });
  expect(await store.increment("visits", { by: 2 })).toBe(2);
  expect(await store.keys({ collection: "users" })).toEqual(["alice"]);
  await store.close();
});

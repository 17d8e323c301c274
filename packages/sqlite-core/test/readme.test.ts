import { type OpenedConnection, type SqliteConnection, SqliteTableStore } from "@kv/sqlite-core";
import Database from "better-sqlite3";
import { expect, it } from "vitest";

/** A store on an in-memory better-sqlite3 database: opening the connection is all it adds. */
class InMemorySqliteStore extends SqliteTableStore {
  constructor() {
    super({}, { table: "kv_entries", indexExpiry: undefined });
  }

  protected openConnection(): OpenedConnection {
    return { connection: new Database(":memory:") as SqliteConnection, owned: true };
  }
}

it("makes a store of any synchronous SQLite driver's connection", async () => {
  const store = new InMemorySqliteStore();
  await store.put("alice", { plan: "pro" }, { collection: "users", ttl: 3600 });
  expect(await store.get("alice", { collection: "users" })).toEqual({ plan: "pro" });
  expect(await store.increment("visits", { by: 2 })).toBe(2);
  expect(await store.collections()).toEqual(["default_collection", "users"]);
  await store.close();
});

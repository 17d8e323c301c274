import { join } from "node:path";
import { SqliteStore } from "@kv/sqlite";
import Database from "better-sqlite3";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { type Client, type Entry, type Suite, TTL_SECONDS } from "../types.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "better-sqlite3 (raw)";
const COLLECTION = "kvbench";

interface Row {
  key: string;
  value: string;
}

/**
 * The limit: raw better-sqlite3 with the store's table shape, WAL and `synchronous = normal`,
 * prepared statements, one transaction per bulk write, holding the Map baseline's envelope.
 */
function rawClient(path: string): Client {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = normal");
  db.exec(`CREATE TABLE entries (
    collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    created_at INTEGER, expires_at INTEGER, PRIMARY KEY (collection, key))`);
  const select = db.prepare<[string, string], Row>(
    "SELECT key, value FROM entries WHERE collection = ? AND key = ?",
  );
  const selectMany = db.prepare<[string, string], Row>(
    "SELECT key, value FROM entries WHERE collection = ? AND key IN (SELECT value FROM json_each(?))",
  );
  const upsert = db.prepare<[string, string, string, number, number | null]>(
    `INSERT INTO entries (collection, key, value, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
     created_at = excluded.created_at, expires_at = excluded.expires_at`,
  );
  const write = (key: string, now: number, text: string, ttl?: number) =>
    upsert.run(COLLECTION, key, text, now, ttl === undefined ? null : now + ttl * 1000);
  const writeMany = db.transaction((entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    for (const [key, value] of entries) write(key, now, seal(value, now, ttl), ttl);
  });
  return {
    get: async (key) => open(select.get(COLLECTION, key)?.value, Date.now()),
    getMany: async (keys) => {
      const found = new Map<string, string>();
      for (const row of selectMany.all(COLLECTION, JSON.stringify(keys))) {
        found.set(row.key, row.value);
      }
      const now = Date.now();
      return keys.map((key) => open(found.get(key), now));
    },
    put: async (key, value) => {
      const now = Date.now();
      write(key, now, seal(value, now));
    },
    putTtl: async (key, value) => {
      const now = Date.now();
      write(key, now, seal(value, now, TTL_SECONDS), TTL_SECONDS);
    },
    putMany: async (entries) => writeMany(entries),
    putManyTtl: async (entries) => writeMany(entries, TTL_SECONDS),
    close: async () => {
      db.close();
    },
  };
}

/** SQLite stores against raw better-sqlite3, each in a database file of its own. */
export function sqliteSuite(): Suite {
  return temporarySuite({ id: "sqlite", title: "SQLite", baseline: RAW }, (root) => [
    {
      name: RAW,
      role: "baseline",
      description:
        "prepared get / upsert, json_each IN for getMany, one transaction per putMany; WAL, synchronous = normal",
      packages: ["better-sqlite3"],
      open: async () => rawClient(join(root, "raw.sqlite")),
    },
    {
      name: "@kv/sqlite",
      role: "kv",
      description: "SqliteStore({ path }) with its defaults (WAL, synchronous = normal)",
      packages: ["@kv/sqlite", "better-sqlite3"],
      open: async () =>
        ownedKvClient(
          new SqliteStore({
            path: join(root, "kv.sqlite"),
            defaultCollection: COLLECTION,
          }),
        ),
    },
  ]);
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConformance } from "@kv/conformance";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import Database from "better-sqlite3";
import { afterAll } from "vitest";

class PassThroughWrapper extends BaseWrapper {}

const root = mkdtempSync(join(tmpdir(), "kv-sqlite-conformance-"));
let count = 0;
const sharedPath = join(root, "shared.sqlite");
const shared = new Database(sharedPath);
/** Connections the peers of the borrowed-connection suite borrow, closed at the end. */
const peerConnections: Database.Database[] = [];
/** The database file of each store (or wrapper) made on a file. */
const paths = new WeakMap<KeyValue, string>();

function onFile<S extends KeyValue>(path: string, make: (path: string) => S): S {
  const store = make(path);
  paths.set(store, path);
  return store;
}

function pathOf(store: KeyValue): string {
  const path = paths.get(store);
  if (path === undefined) throw new Error("The store was not made on a file");
  return path;
}

afterAll(() => {
  for (const connection of [shared, ...peerConnections]) connection.close();
  rmSync(root, { recursive: true, force: true });
});

await describeConformance("SqliteStore in a WAL file", {
  createStore: () =>
    onFile(join(root, `db-${++count}.sqlite`), (path) => new SqliteStore({ path })),
  createPeer: (store) => new SqliteStore({ path: pathOf(store) }),
});

// An in-memory database lives in its one connection: no second connection can open it.
await describeConformance("SqliteStore in memory", {
  createStore: () => new SqliteStore({ path: ":memory:" }),
});

await describeConformance("SqliteStore on a borrowed connection, a table per store", {
  createStore: () => new SqliteStore({ client: shared, table: `kv_${++count}` }),
  createPeer: (store) => {
    const connection = new Database(sharedPath);
    peerConnections.push(connection);
    return new SqliteStore({ client: connection, table: (store as SqliteStore).table });
  },
});

await describeConformance("SqliteStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    onFile(
      join(root, `db-${++count}.sqlite`),
      (path) => new PassThroughWrapper(new SqliteStore({ path })),
    ),
  createPeer: (store) => new PassThroughWrapper(new SqliteStore({ path: pathOf(store) })),
});

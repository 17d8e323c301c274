import { describeConformance, storesOnFreshPaths, temporaryPaths } from "@kv/conformance";
import { BaseWrapper } from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import Database from "better-sqlite3";
import { afterAll } from "vitest";

class PassThroughWrapper extends BaseWrapper {}

const PREFIX = "kv-sqlite-conformance-";
let count = 0;
const sharedPath = temporaryPaths(PREFIX)();
const shared = new Database(sharedPath);
/** Connections the peers of the borrowed-connection suite borrow, closed at the end. */
const peerConnections: Database.Database[] = [];

afterAll(() => {
  for (const connection of [shared, ...peerConnections]) connection.close();
});

// better-sqlite3 runs each statement synchronously, in the order of the calls.
await describeConformance("SqliteStore in a WAL file", {
  ...storesOnFreshPaths(PREFIX, (path) => new SqliteStore({ path })),
  answersInOrder: true,
});

// An in-memory database lives in its one connection: no second connection can open it.
await describeConformance("SqliteStore in memory", {
  createStore: () => new SqliteStore({ path: ":memory:" }),
  answersInOrder: true,
});

await describeConformance("SqliteStore on a borrowed connection, a table per store", {
  createStore: () => new SqliteStore({ client: shared, table: `kv_${++count}` }),
  createPeer: (store) => {
    const connection = new Database(sharedPath);
    peerConnections.push(connection);
    return new SqliteStore({ client: connection, table: (store as SqliteStore).table });
  },
  answersInOrder: true,
});

await describeConformance("SqliteStore through a pass-through BaseWrapper", {
  ...storesOnFreshPaths(PREFIX, (path) => new PassThroughWrapper(new SqliteStore({ path }))),
  answersInOrder: true,
});

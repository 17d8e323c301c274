import { describeConformance } from "@kv/conformance";
import { PostgresStore } from "@kv/postgres";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import pg from "pg";
import { afterAll } from "vitest";
import { dropTestTables, freshTable, url } from "./server.ts";

class PassThroughWrapper extends BaseWrapper {}

const pool = new pg.Pool({ connectionString: url, max: 4 });
const client = new pg.Client({ connectionString: url });
await client.connect();

afterAll(async () => {
  await pool.end();
  await client.end();
  await dropTestTables();
});

/** A second store on the same table with a pool of its own, for the concurrency tests. */
const peerOf = (store: KeyValue) => {
  const table = store instanceof PostgresStore ? store.table : tables.get(store);
  return new PostgresStore({ url, table });
};
const tables = new WeakMap<KeyValue, string>();

// The suite calls destroy(), so every store gets a table of its own.
await describeConformance("PostgresStore (own pool from a connection string)", {
  createStore: () => new PostgresStore({ url, table: freshTable("owned") }),
  createPeer: peerOf,
});

await describeConformance("PostgresStore (borrowed pool)", {
  createStore: () => new PostgresStore({ client: pool, table: freshTable("pool") }),
  createPeer: peerOf,
});

await describeConformance("PostgresStore (borrowed client, one connection)", {
  createStore: () => new PostgresStore({ client, table: freshTable("client") }),
  createPeer: peerOf,
});

await describeConformance("PostgresStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue => {
    const store = new PostgresStore({ url, table: freshTable("wrapped") });
    const wrapper = new PassThroughWrapper(store);
    tables.set(wrapper, store.table);
    return wrapper;
  },
  createPeer: (store) => new PassThroughWrapper(peerOf(store)),
});

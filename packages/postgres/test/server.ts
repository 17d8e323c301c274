import { randomUUID } from "node:crypto";
import pg from "pg";
import { postgresUrl } from "../../../scripts/services/require-service.ts";

/** The test server's connection string. */
export const url: string = postgresUrl();

const run = randomUUID().slice(0, 8);
let count = 0;

/** A table name no other test or run uses: `kv_test_<run>_<n>`, with an optional label. */
export function freshTable(label = "t"): string {
  return `kv_test_${run}_${label}_${++count}`;
}

/** Drops every table this test run made (those named by `freshTable`). */
export async function dropTestTables(): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE $1",
      [`kv_test_${run}_%`],
    );
    for (const { name } of rows) await client.query(`DROP TABLE IF EXISTS "${name}"`);
  } finally {
    await client.end();
  }
}

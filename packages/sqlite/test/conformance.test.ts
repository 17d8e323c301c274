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
const shared = new Database(join(root, "shared.sqlite"));

afterAll(() => {
  shared.close();
  rmSync(root, { recursive: true, force: true });
});

await describeConformance("SqliteStore in a WAL file", {
  createStore: () => new SqliteStore({ path: join(root, `db-${++count}.sqlite`) }),
});

await describeConformance("SqliteStore in memory", {
  createStore: () => new SqliteStore({ path: ":memory:" }),
});

await describeConformance("SqliteStore on a borrowed connection, a table per store", {
  createStore: () => new SqliteStore({ client: shared, table: `kv_${++count}` }),
});

await describeConformance("SqliteStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue => new PassThroughWrapper(new SqliteStore({ path: ":memory:" })),
});

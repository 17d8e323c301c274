// Runs on Bun (bun:sqlite exists nowhere else), through @kv/runtime-tests. bun:sqlite runs each
// statement synchronously, in the order of the calls.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BunSqliteStore } from "@kv/bun-sqlite";
import { describeConformance } from "@kv/conformance";

const directory = mkdtempSync(join(tmpdir(), "kv-bun-sqlite-"));
process.on("exit", () => rmSync(directory, { recursive: true, force: true }));
let files = 0;

await describeConformance("BunSqliteStore in a file, with a second connection as peer", {
  createStore: () => new BunSqliteStore({ path: join(directory, `store-${++files}.db`) }),
  createPeer: (store) => new BunSqliteStore({ path: (store as BunSqliteStore).path }),
  answersInOrder: true,
});

await describeConformance("BunSqliteStore in memory", {
  createStore: () => new BunSqliteStore({ path: ":memory:" }),
  answersInOrder: true,
});

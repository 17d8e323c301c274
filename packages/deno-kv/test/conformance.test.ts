// Runs on Deno (Deno KV exists nowhere else), through @kv/runtime-tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConformance } from "@kv/conformance";
import { DenoKvStore } from "@kv/deno-kv";

const directory = mkdtempSync(join(tmpdir(), "kv-deno-kv-"));
process.on("exit", () => rmSync(directory, { recursive: true, force: true }));
let files = 0;

await describeConformance("DenoKvStore in a file, with a second handle as peer", {
  createStore: () => new DenoKvStore({ path: join(directory, `store-${++files}.db`) }),
  createPeer: (store) => new DenoKvStore({ path: (store as DenoKvStore).path }),
});

await describeConformance("DenoKvStore in memory", {
  createStore: () => new DenoKvStore({ path: ":memory:" }),
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConformance } from "@kv/conformance";
import { LevelDbStore } from "@kv/leveldb";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { ClassicLevel } from "classic-level";
import { afterAll } from "vitest";

class PassThroughWrapper extends BaseWrapper {}

const root = mkdtempSync(join(tmpdir(), "kv-leveldb-conformance-"));
let count = 0;
const freshLocation = () => join(root, `db-${++count}`);
const shared = new ClassicLevel<string, string>(join(root, "shared"), { valueEncoding: "json" });

afterAll(async () => {
  await shared.close();
  rmSync(root, { recursive: true, force: true });
});

// No createPeer: one process cannot open a LevelDB database twice, so no second handle exists.
await describeConformance("LevelDbStore", {
  createStore: () => new LevelDbStore({ location: freshLocation() }),
});

await describeConformance("LevelDbStore on a borrowed ClassicLevel", {
  createStore: () => new LevelDbStore({ client: shared }),
  // A second store on the same handle (a second handle cannot be opened): their locks are shared.
  createPeer: () => new LevelDbStore({ client: shared }),
});

await describeConformance("LevelDbStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new LevelDbStore({ location: freshLocation(), sync: true })),
});

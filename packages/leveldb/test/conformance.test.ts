import { describeConformance, temporaryPaths } from "@kv/conformance";
import { LevelDbStore } from "@kv/leveldb";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { ClassicLevel } from "classic-level";
import { afterAll } from "vitest";

class PassThroughWrapper extends BaseWrapper {}

const freshLocation = temporaryPaths("kv-leveldb-conformance-");
const shared = new ClassicLevel<string, string>(freshLocation(), { valueEncoding: "json" });

afterAll(() => shared.close());

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

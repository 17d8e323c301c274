import { describeConformance } from "@kv/conformance";
import { IndexedDbStore } from "@kv/indexeddb";
import { BaseWrapper, type KeyValue } from "@kv/protocol";

class PassThroughWrapper extends BaseWrapper {}

let databases = 0;

await describeConformance("IndexedDbStore", {
  createStore: () => new IndexedDbStore({ database: `kv-conformance-${++databases}` }),
});

await describeConformance("IndexedDbStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new IndexedDbStore({ database: `kv-wrapped-${++databases}` })),
});

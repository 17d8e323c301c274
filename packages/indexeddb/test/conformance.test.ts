import { describeConformance } from "@kv/conformance";
import { IndexedDbStore } from "@kv/indexeddb";
import { BaseWrapper, type KeyValue } from "@kv/protocol";

class PassThroughWrapper extends BaseWrapper {}

let databases = 0;
const databaseOf = new WeakMap<KeyValue, string>();

function openStore(): IndexedDbStore {
  const database = `kv-conformance-${++databases}`;
  const store = new IndexedDbStore({ database });
  databaseOf.set(store, database);
  return store;
}

await describeConformance("IndexedDbStore", {
  createStore: openStore,
  createPeer: (store) => new IndexedDbStore({ database: databaseOf.get(store) ?? "" }),
});

await describeConformance("IndexedDbStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new IndexedDbStore({ database: `kv-wrapped-${++databases}` })),
});

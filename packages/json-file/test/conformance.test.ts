import { describeConformance, temporaryPaths } from "@kv/conformance";
import { JsonFileStore, type JsonFileStoreOptions } from "@kv/json-file";
import type { KeyValue } from "@kv/protocol";

const freshDirectory = temporaryPaths("kv-json-file-conformance-");
/** The options each store was made with, so its peer opens the same directory the same way. */
const madeWith = new WeakMap<KeyValue, JsonFileStoreOptions>();

function jsonFileStore(options: Omit<JsonFileStoreOptions, "directory">): JsonFileStore {
  const full = { ...options, directory: freshDirectory() };
  const store = new JsonFileStore(full);
  madeWith.set(store, full);
  return store;
}

/** A second JsonFileStore instance on the directory of `store`, with its own snapshots. */
function peerOf(store: KeyValue): JsonFileStore {
  const options = madeWith.get(store);
  if (options === undefined) throw new Error("not a store made by this test");
  return new JsonFileStore(options);
}

await describeConformance("JsonFileStore", {
  createStore: () => jsonFileStore({}),
  createPeer: peerOf,
});

await describeConformance("JsonFileStore with lock: true, without fsync", {
  createStore: () => jsonFileStore({ lock: true, fsync: false }),
  createPeer: peerOf,
});

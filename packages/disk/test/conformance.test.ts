import { describeConformance, temporaryPaths } from "@kv/conformance";
import { DiskStore, type DiskStoreOptions } from "@kv/disk";
import { BaseWrapper, type KeyValue } from "@kv/protocol";

class PassThroughWrapper extends BaseWrapper {}

const freshDirectory = temporaryPaths("kv-disk-conformance-");
/** The options each store was made with, so its peer opens the same directory the same way. */
const madeWith = new WeakMap<KeyValue, DiskStoreOptions>();

function diskStore(options: Omit<DiskStoreOptions, "directory">): DiskStore {
  const full = { ...options, directory: freshDirectory() };
  const store = new DiskStore(full);
  madeWith.set(store, full);
  return store;
}

/** A second DiskStore instance on the directory of `store`, with its own locks and setup. */
function peerOf(store: KeyValue): DiskStore {
  const options = madeWith.get(store);
  if (options === undefined) throw new Error("not a store made by this test");
  return new DiskStore(options);
}

await describeConformance("DiskStore", {
  createStore: () => diskStore({}),
  createPeer: peerOf,
});

await describeConformance("DiskStore with two fan-out levels, without fsync", {
  createStore: () => diskStore({ fanOutLevels: 2, fsync: false }),
  createPeer: peerOf,
});

await describeConformance(
  "DiskStore with maxEntries (a least-recently-used bound of 100 000 files)",
  {
    createStore: () => diskStore({ maxEntries: 100_000 }),
    createPeer: peerOf,
  },
);

await describeConformance("DiskStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue => {
    const store = diskStore({});
    const wrapper = new PassThroughWrapper(store);
    madeWith.set(wrapper, madeWith.get(store) as DiskStoreOptions);
    return wrapper;
  },
  createPeer: (wrapper) => new PassThroughWrapper(peerOf(wrapper)),
});

import { describeConformance, storesOnFreshPaths } from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import { BaseWrapper } from "@kv/protocol";

class PassThroughWrapper extends BaseWrapper {}

const PREFIX = "kv-disk-conformance-";

await describeConformance(
  "DiskStore",
  storesOnFreshPaths(PREFIX, (directory) => new DiskStore({ directory })),
);

await describeConformance(
  "DiskStore with two fan-out levels, without fsync",
  storesOnFreshPaths(
    PREFIX,
    (directory) => new DiskStore({ directory, fanOutLevels: 2, fsync: false }),
  ),
);

await describeConformance(
  "DiskStore with maxEntries (a least-recently-used bound of 100 000 files)",
  storesOnFreshPaths(PREFIX, (directory) => new DiskStore({ directory, maxEntries: 100_000 })),
);

await describeConformance(
  "DiskStore through a pass-through BaseWrapper",
  storesOnFreshPaths(PREFIX, (directory) => new PassThroughWrapper(new DiskStore({ directory }))),
);

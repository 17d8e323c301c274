import { describeConformance, storesOnFreshPaths } from "@kv/conformance";
import { JsonFileStore } from "@kv/json-file";

const PREFIX = "kv-json-file-conformance-";

await describeConformance(
  "JsonFileStore",
  storesOnFreshPaths(PREFIX, (directory) => new JsonFileStore({ directory })),
);

await describeConformance(
  "JsonFileStore with lock: true, without fsync",
  storesOnFreshPaths(
    PREFIX,
    (directory) => new JsonFileStore({ directory, lock: true, fsync: false }),
  ),
);

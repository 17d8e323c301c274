export { CACHE_WORKLOADS } from "./cache-workloads.ts";
export {
  type CostProbe,
  measure,
  type RunOptions,
  ratiosTo,
  runSuite,
  type SubjectResult,
  type SuiteResult,
  type WorkloadResult,
} from "./harness.ts";
export { kvClient } from "./kv-client.ts";
export { type Summary, summarize } from "./report.ts";
export type {
  CacheClient,
  CallCost,
  Client,
  Entry,
  Role,
  Subject,
  Suite,
  Value,
  Workload,
  WorkloadId,
} from "./types.ts";
export { WORKLOADS } from "./workloads.ts";

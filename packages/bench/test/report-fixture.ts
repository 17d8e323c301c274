import type { SuiteResult } from "../src/harness.ts";
import type { Report } from "../src/report.ts";
import { WORKLOADS } from "../src/workloads.ts";

/** A report of a one-round quick run holding the given figures, for rendering tests. */
export function reportOf(suites: SuiteResult[], shared?: SuiteResult[]): Report {
  return {
    run: {
      mode: "quick",
      rounds: 1,
      durationMs: 1,
      warmupMs: 1,
      sliceMs: 1,
      heapBallastMb: 0,
      sharing: shared === undefined ? ["per-suite"] : ["per-suite", "shared"],
      startedAt: "",
      seconds: 0,
      loadBefore: "",
      loadAfter: "",
    },
    machine: { cpu: "", cores: 1, memoryGiB: 1, os: "", node: "", v8: "", commit: "" },
    versions: {},
    workloads: WORKLOADS,
    suites,
    shared,
    targets: [],
  };
}

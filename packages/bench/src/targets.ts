import { ratiosTo, type SubjectResult, type SuiteResult } from "./harness.ts";
import { median } from "./stats.ts";
import { MEMORY_WRAPPERS, wrapperSubjectName } from "./suites/memory-wrappers.ts";
import type { WorkloadId } from "./types.ts";
import { UNTRACED_MEMORY } from "./untraced-memory.ts";

/** Whether a target was reached in this run. */
export type Verdict = "met" | "missed" | "reported" | "not measured";

/** One target checked against one workload or call. */
export interface TargetOutcome {
  /** The target, as the issue states it. */
  target: string;
  /** The workload or call it was checked on. */
  on: string;
  /** What was measured, e.g. `0.93×`. */
  measured: string;
  /** The verdict. */
  verdict: Verdict;
  /** How far above or below the target the measurement is, in words. */
  margin: string;
}

interface RatioTarget {
  target: string;
  suite: string;
  subject: string;
  /** The subject the ratio is taken to; the suite's baseline when absent. */
  to?: string;
  workloads: readonly WorkloadId[];
  minimum?: number;
  /** Check `1 - ratio` (an overhead) against this maximum instead of a minimum ratio. */
  maxOverhead?: number;
}

const ALL: readonly WorkloadId[] = [
  "put-get",
  "get-concurrent",
  "get-many",
  "put-many",
  "put-get-10kb",
  "put-ttl",
  "put-many-ttl",
];
/** The sequential and bulk workloads, the bulk ones at 10, 100 and 1 000 keys. */
const SEQUENTIAL_AND_BULK: readonly WorkloadId[] = [
  "put-get",
  "get-many-10",
  "get-many",
  "get-many-1000",
  "put-many-10",
  "put-many",
  "put-many-1000",
  "put-get-10kb",
  "put-ttl",
  "put-many-ttl",
];
const WRAPPED = "@kv/memory";

const RATIO_TARGETS: readonly RatioTarget[] = [
  {
    target: "@kv/memory ≥ 0.95× the Map baseline",
    suite: "memory",
    subject: "@kv/memory",
    workloads: ALL,
    minimum: 0.95,
  },
  {
    target: "@kv/redis ≥ 0.95× raw ioredis (sequential and bulk; bulk at 10, 100 and 1 000 keys)",
    suite: "redis",
    subject: "@kv/redis",
    workloads: SEQUENTIAL_AND_BULK,
    minimum: 0.95,
  },
  {
    target: "@kv/redis 100 concurrent gets ≥ 1.3× raw ioredis",
    suite: "redis",
    subject: "@kv/redis",
    workloads: ["get-concurrent"],
    minimum: 1.3,
  },
  {
    target: "@kv/leveldb ≥ 0.9× raw classic-level",
    suite: "leveldb",
    subject: "@kv/leveldb",
    workloads: ALL,
    minimum: 0.9,
  },
  {
    target: "@kv/sqlite ≥ 0.8× raw better-sqlite3 on TTL writes and concurrent gets",
    suite: "sqlite",
    subject: "@kv/sqlite",
    workloads: ["put-ttl", "put-many-ttl", "get-concurrent"],
    minimum: 0.8,
  },
  {
    target: "@kv/blob-fs ≥ 0.9× raw node:fs streams on 1 MB and 100 MB blobs",
    suite: "blob-fs",
    subject: "@kv/blob-fs",
    workloads: ["blob-put-1mb", "blob-get-1mb", "blob-put-100mb", "blob-get-100mb"],
    minimum: 0.9,
  },
  ...MEMORY_WRAPPERS.map(
    (wrapper): RatioTarget => ({
      target: `${wrapperSubjectName(wrapper)}: overhead ${wrapper.targeted ? `≤ ${Math.round((wrapper.maxOverhead ?? 0.1) * 100)} %` : "reported"}`,
      suite: "memory",
      subject: wrapperSubjectName(wrapper),
      to: WRAPPED,
      workloads: ALL,
      ...(wrapper.targeted ? { maxOverhead: wrapper.maxOverhead ?? 0.1 } : {}),
    }),
  ),
  {
    target: "@kv/memory's diagnostics_channel hook with no subscriber: overhead ≤ 2 %",
    suite: "memory",
    subject: WRAPPED,
    to: UNTRACED_MEMORY,
    workloads: ALL,
    maxOverhead: 0.02,
  },
];

const ROUND_TRIP_CALLS = ["getMany(100)", "putMany(100)", "putMany(100) with TTL"];

/** A store that must be at least as fast as each of some other libraries, workload by workload. */
interface AnchorTarget {
  target: string;
  suite: string;
  subject: string;
  /** The subjects it must not be behind. */
  anchors: readonly string[];
  workloads: readonly WorkloadId[];
}

const ANCHOR_TARGETS: readonly AnchorTarget[] = [
  {
    target: "@kv/redis never behind Keyv or unstorage",
    suite: "redis",
    subject: "@kv/redis",
    anchors: ["Keyv + @keyv/redis", "unstorage (redis)"],
    workloads: [
      ...SEQUENTIAL_AND_BULK.slice(0, 1),
      "get-concurrent",
      ...SEQUENTIAL_AND_BULK.slice(1),
    ],
  },
];

const percent = (fraction: number) => {
  const tenths = Math.round(fraction * 1000) / 10;
  return `${tenths < 0 ? "−" : ""}${Math.abs(tenths).toFixed(1)} %`;
};
const times = (ratio: number) => `${ratio.toFixed(2)}×`;

/** What a check found on one workload: the outcome without its target and workload. */
type Finding = Omit<TargetOutcome, "target" | "on">;

/**
 * Checks a rule's subject on each of the rule's workloads with `check`; every workload is not
 * measured when the suite was not in the run, was skipped, or has no such subject.
 */
function checkWorkloads(
  rule: RatioTarget | AnchorTarget,
  suites: readonly SuiteResult[],
  check: (suite: SuiteResult, subject: SubjectResult, workload: WorkloadId) => Finding,
): TargetOutcome[] {
  const suite = suites.find(({ id }) => id === rule.suite);
  const subject = suite?.subjects.find(({ name }) => name === rule.subject);
  return rule.workloads.map((workload) => {
    const base = { target: rule.target, on: workload };
    if (suite === undefined || suite.skipped !== undefined || subject === undefined) {
      const why =
        suite?.skipped === undefined ? "not in this run" : `suite skipped: ${suite.skipped}`;
      return { ...base, measured: "—", verdict: "not measured", margin: why };
    }
    return { ...base, ...check(suite, subject, workload) };
  });
}

function checkRatio(rule: RatioTarget, suites: readonly SuiteResult[]): TargetOutcome[] {
  return checkWorkloads(rule, suites, (suite, subject, workload): Finding => {
    const ratio = median(ratiosTo(suite, subject, workload, rule.to ?? suite.baseline));
    if (Number.isNaN(ratio)) {
      const error = subject.workloads[workload]?.error ?? subject.error ?? "no figures";
      return { measured: "—", verdict: "not measured", margin: error };
    }
    if (rule.maxOverhead !== undefined || rule.minimum === undefined) {
      const overhead = 1 - ratio;
      const measured = `${times(ratio)} of ${rule.to}, overhead ${percent(overhead)}`;
      if (rule.maxOverhead === undefined) {
        return { measured, verdict: "reported", margin: "no target" };
      }
      const met = overhead <= rule.maxOverhead;
      const by = Math.abs(overhead - rule.maxOverhead);
      return {
        measured,
        verdict: met ? "met" : "missed",
        margin: `${met ? "within" : "over"} the ${percent(rule.maxOverhead)} budget by ${percent(by)} points`,
      };
    }
    const met = ratio >= rule.minimum;
    const by = ratio - rule.minimum;
    return {
      measured: times(ratio),
      verdict: met ? "met" : "missed",
      margin: `${by >= 0 ? "+" : "−"}${Math.abs(by).toFixed(2)}× (${by >= 0 ? "+" : "−"}${percent(Math.abs(by) / rule.minimum)} of the target)`,
    };
  });
}

function checkRoundTrips(suites: readonly SuiteResult[]): TargetOutcome[] {
  const target = "@kv/redis: one round trip per bulk call";
  const suite = suites.find(({ id }) => id === "redis");
  const subject = suite?.subjects.find(({ name }) => name === "@kv/redis");
  return ROUND_TRIP_CALLS.map((call) => {
    const cost = subject?.costs?.find((candidate) => candidate.call === call);
    if (cost === undefined) {
      return { target, on: call, measured: "—", verdict: "not measured", margin: "not counted" };
    }
    const met = cost.roundTrips === 1;
    return {
      target,
      on: call,
      measured: `${cost.roundTrips} round trip(s), ${cost.commands} command(s): ${cost.detail}`,
      verdict: met ? "met" : "missed",
      margin: met ? "exactly one" : `${cost.roundTrips - 1} round trip(s) too many`,
    };
  });
}

/**
 * Checks a subject against each anchor on each workload: the median of its per-round ratios to
 * the anchor must be at least 1 (an anchor that cannot run the workload is left out).
 */
function checkAnchors(rule: AnchorTarget, suites: readonly SuiteResult[]): TargetOutcome[] {
  return checkWorkloads(rule, suites, (suite, subject, workload): Finding => {
    const compared = rule.anchors
      .map((anchor) => ({ anchor, ratio: median(ratiosTo(suite, subject, workload, anchor)) }))
      .filter(({ ratio }) => !Number.isNaN(ratio));
    if (compared.length === 0) {
      return { measured: "—", verdict: "not measured", margin: "no figures" };
    }
    const measured = compared.map(({ anchor, ratio }) => `${times(ratio)} of ${anchor}`).join(", ");
    const behind = compared.filter(({ ratio }) => ratio < 1);
    if (behind.length === 0) {
      const least = Math.min(...compared.map(({ ratio }) => ratio));
      return { measured, verdict: "met", margin: `ahead by ${percent(least - 1)} at least` };
    }
    const margin = behind
      .map(({ anchor, ratio }) => `${percent(1 - ratio)} behind ${anchor}`)
      .join(", ");
    return { measured, verdict: "missed", margin };
  });
}

/** Checks every target of the issue against a run's figures. */
export function checkTargets(suites: readonly SuiteResult[]): TargetOutcome[] {
  const outcomes = RATIO_TARGETS.flatMap((rule) => checkRatio(rule, suites));
  const redis = outcomes.findIndex(({ target }) => target.startsWith("@kv/leveldb"));
  outcomes.splice(
    redis,
    0,
    ...checkRoundTrips(suites),
    ...ANCHOR_TARGETS.flatMap((rule) => checkAnchors(rule, suites)),
  );
  return outcomes;
}

import { type Machine, packageVersion } from "./environment.ts";
import type { SuiteResult } from "./harness.ts";
import type { BenchOptions, Sharing } from "./options.ts";
import { SHORT, type SuiteView, suiteSection, table } from "./report-suite.ts";
import type { TargetOutcome } from "./targets.ts";
import type { Workload, WorkloadId } from "./types.ts";

export { type Summary, summarize } from "./report-suite.ts";

/** Everything one run produced. */
export interface Report {
  /** How the run was configured and how long it took. */
  run: Pick<
    BenchOptions,
    "mode" | "rounds" | "durationMs" | "warmupMs" | "sliceMs" | "heapBallastMb"
  > & {
    /** The modes measured, in order; absent in reports from before the shared mode (per-suite). */
    sharing?: Sharing[] | undefined;
    startedAt: string;
    seconds: number;
    loadBefore: string;
    loadAfter: string;
  };
  /** The machine and runtime. */
  machine: Machine;
  /** Versions of every npm package measured. */
  versions: Record<string, string>;
  /** The workloads, in report order. */
  workloads: readonly Pick<Workload, "id" | "title" | "unit" | "opsPerCall">[];
  /** Figures per suite, each suite measured with only its own drivers loaded (per-suite mode). */
  suites: SuiteResult[];
  /** Figures per suite, every suite's subjects open at once in one heap (shared-process mode). */
  shared?: SuiteResult[] | undefined;
  /** The issue's targets, checked. */
  targets: TargetOutcome[];
}

/** One line per target: on how many workloads it was met, and the misses with their figures. */
function glance(outcomes: readonly TargetOutcome[]): string[][] {
  const byTarget = new Map<string, TargetOutcome[]>();
  for (const outcome of outcomes) {
    byTarget.set(outcome.target, [...(byTarget.get(outcome.target) ?? []), outcome]);
  }
  return [...byTarget].map(([target, rows]) => {
    const name = (outcome: TargetOutcome) => SHORT[outcome.on as WorkloadId] ?? outcome.on;
    const measured = rows.filter(({ verdict }) => verdict !== "not measured");
    if (measured.length === 0) return [target, `not measured: ${rows[0]?.margin ?? ""}`];
    if (measured.every(({ verdict }) => verdict === "reported")) {
      return [target, measured.map((row) => `${name(row)} ${row.measured}`).join("; ")];
    }
    const met = measured.filter(({ verdict }) => verdict === "met");
    const missed = measured.filter(({ verdict }) => verdict === "missed");
    const summary = `met on ${met.length} of ${rows.length}`;
    if (missed.length === 0) return [target, summary];
    return [
      target,
      `${summary}; **missed** on ${missed.map((row) => `${name(row)} (${row.measured})`).join(", ")}`,
    ];
  });
}

/** The figures the targets are checked on: the shared-process ones when measured. */
export function targetFigures(report: Pick<Report, "suites" | "shared">): SuiteResult[] {
  return report.shared ?? report.suites;
}

/**
 * The workloads a suite ran (a subject has figures for it, or says why it could not run it), in
 * report order: the cache suites run their own, the others the store workloads.
 */
function workloadsIn(measured: readonly SuiteView[], workloads: Report["workloads"]) {
  const ran = new Set(
    measured.flatMap(({ suite }) =>
      suite.subjects.flatMap((subject) => [
        ...Object.keys(subject.workloads),
        ...Object.keys(subject.unsupported),
      ]),
    ),
  );
  return workloads.filter(({ id }) => ran.has(id));
}

/** Each suite's figures in every mode measured, in report order. */
function suiteViews(report: Report): SuiteView[][] {
  const byId = new Map<string, SuiteView[]>();
  const modes: [Sharing, SuiteResult[]][] = [
    ["per-suite", report.suites],
    ["shared", report.shared ?? []],
  ];
  for (const [sharing, suites] of modes) {
    for (const suite of suites)
      byId.set(suite.id, [...(byId.get(suite.id) ?? []), { sharing, suite }]);
  }
  return [...byId.values()];
}

function modeSentence(report: Report): string {
  const perSuite = "each suite's drivers loaded and its subjects opened only when that suite ran";
  const shared =
    "the subjects of every suite in the run (stores, anchors, raw drivers) loaded and opened up front and kept open in one heap, as an application holds them";
  if (report.shared === undefined) return `Per-suite mode: ${perSuite}.`;
  if (report.suites.length === 0) {
    return `Shared-process mode: ${shared}. The targets are checked on these figures.`;
  }
  return `Two modes, one after the other in this process: per suite (${perSuite}), then in one shared process (${shared}). Ratios are shown for both, per suite · shared process; the targets are checked on the shared-process figures.`;
}

/** The versions of every package measured by the given suites. */
export function versionsOf(suites: readonly SuiteResult[]): Record<string, string> {
  const names = new Set(
    suites.flatMap(({ subjects }) => subjects.flatMap(({ packages }) => packages)),
  );
  return Object.fromEntries([...names].sort().map((name) => [name, packageVersion(name)]));
}

/** The Markdown report of a run. */
export function renderMarkdown(report: Report): string {
  const { run, machine } = report;
  const backends = report.suites.flatMap(({ environment }) => Object.entries(environment));
  const parts = [
    "# @kv benchmark report",
    `A ${run.mode} run, started ${run.startedAt}, took ${run.seconds.toFixed(0)} s: ${run.rounds} rounds of ${run.durationMs} ms per subject and workload (subjects taking turns every ${run.sliceMs} ms) after a ${run.warmupMs} ms warm-up${run.heapBallastMb > 0 ? `, with ${run.heapBallastMb} MB of unrelated objects held in the heap` : ""}. ${modeSentence(report)}`,
    "## Machine",
    table(
      ["", ""],
      [
        ["CPU", `${machine.cpu} (${machine.cores} logical cores)`],
        ["memory", `${machine.memoryGiB} GiB`],
        ["OS", machine.os],
        ["Node.js", `${machine.node} (V8 ${machine.v8})`],
        ["load average before → after", `${run.loadBefore} → ${run.loadAfter}`],
        ["repository commit", machine.commit],
        ...backends,
      ],
    ),
    "## Versions",
    table(
      ["package", "version"],
      Object.entries(report.versions).map(([name, version]) => [name, version]),
    ),
    "## Workloads",
    table(
      ["workload", "one call", "ops/s counts"],
      report.workloads.map((workload) => [SHORT[workload.id], workload.title, workload.unit]),
    ),
    "## Targets at a glance",
    table(["target", "result"], glance(report.targets)),
    "## Targets",
    `Every target of the performance issue, per workload, on the ${report.shared === undefined ? "per-suite" : "shared-process"} figures (wrappers without a target are in the table above):`,
    table(
      ["target", "on", "measured", "verdict", "margin"],
      report.targets
        .filter(({ verdict }) => verdict !== "reported")
        .map((outcome) => [
          outcome.target,
          SHORT[outcome.on as WorkloadId] ?? outcome.on,
          outcome.measured,
          outcome.verdict === "met"
            ? "met"
            : outcome.verdict === "missed"
              ? "**missed**"
              : outcome.verdict,
          outcome.margin,
        ]),
    ),
  ];
  const views = suiteViews(report);
  const skipped = views.filter((measured) =>
    measured.every(({ suite }) => suite.skipped !== undefined),
  );
  if (skipped.length > 0) {
    parts.push("## Skipped backends");
    parts.push(
      skipped
        .map(([view]) => (view === undefined ? "" : `- ${view.suite.title}: ${view.suite.skipped}`))
        .join("\n"),
    );
  }
  for (const measured of views) {
    if (!skipped.includes(measured)) {
      parts.push(suiteSection(measured, workloadsIn(measured, report.workloads)));
    }
  }
  return `${parts.join("\n\n")}\n`;
}

import { type Machine, packageVersion } from "./environment.ts";
import { ratiosTo, type SubjectResult, type SuiteResult } from "./harness.ts";
import { median, range } from "./stats.ts";
import type { TargetOutcome } from "./targets.ts";
import type { Workload, WorkloadId } from "./types.ts";

/** Everything one run produced. */
export interface Report {
  /** How the run was configured and how long it took. */
  run: {
    mode: "quick" | "full" | "custom";
    rounds: number;
    durationMs: number;
    warmupMs: number;
    sliceMs: number;
    heapBallastMb: number;
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
  /** Figures per suite. */
  suites: SuiteResult[];
  /** The issue's targets, checked. */
  targets: TargetOutcome[];
}

const SHORT: Record<WorkloadId, string> = {
  "put-get": "put→get",
  "get-concurrent": "100 concurrent gets",
  "get-many": "getMany(100)",
  "put-many": "putMany(100)",
  "put-get-10kb": "put→get 10 KB",
  "put-ttl": "put with TTL",
  "put-many-ttl": "putMany(100) with TTL",
};

const number = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });
const ops = (value: number) => (Number.isFinite(value) ? number.format(value) : "—");
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "—");

/** Median and spread of a subject's figures on one workload, and its ratio to a reference. */
export interface Summary {
  /** Median ops/s over the rounds. */
  median: number;
  /** Lowest and highest ops/s over the rounds. */
  min: number;
  /** Highest ops/s over the rounds. */
  max: number;
  /** Median of the per-round ratios. */
  ratio: number;
  /** Lowest per-round ratio. */
  ratioMin: number;
  /** Highest per-round ratio. */
  ratioMax: number;
}

/** Summarizes one subject's figures on one workload against `reference` (a subject's name). */
export function summarize(
  suite: SuiteResult,
  subject: SubjectResult,
  workload: WorkloadId,
  reference: string,
): Summary | undefined {
  const figures = subject.workloads[workload];
  if (figures === undefined || figures.error !== undefined) return undefined;
  const values = figures.opsPerSec.filter((value) => value !== undefined);
  const ratios = ratiosTo(suite, subject, workload, reference);
  const [min, max] = range(values);
  const [ratioMin, ratioMax] = range(ratios);
  return { median: median(values), min, max, ratio: median(ratios), ratioMin, ratioMax };
}

function why(subject: SubjectResult, workload: WorkloadId): string {
  return (
    subject.unsupported[workload] ??
    subject.workloads[workload]?.error ??
    subject.error ??
    "not measured"
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function suiteSection(suite: SuiteResult, workloads: Report["workloads"]): string {
  const parts = [`## ${suite.title} (baseline: ${suite.baseline})`];
  if (suite.skipped !== undefined) {
    parts.push(`**Skipped:** ${suite.skipped}`);
    return parts.join("\n\n");
  }
  parts.push(
    table(
      ["subject", "role", "what"],
      suite.subjects.map((subject) => [
        subject.name,
        subject.role,
        subject.error === undefined
          ? subject.description
          : `${subject.description} — **${subject.error}**`,
      ]),
    ),
  );
  parts.push(
    `Median of the per-round ratios to **${suite.baseline}** (higher is faster; the baseline is 1.00×):`,
  );
  parts.push(
    table(
      ["subject", ...workloads.map(({ id }) => SHORT[id])],
      suite.subjects.map((subject) => [
        subject.name,
        ...workloads.map(({ id }) => {
          const summary = summarize(suite, subject, id, suite.baseline);
          return summary === undefined ? "n/a" : times(summary.ratio);
        }),
      ]),
    ),
  );
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const workload of workloads) {
    for (const subject of suite.subjects) {
      const summary = summarize(suite, subject, workload.id, suite.baseline);
      if (summary === undefined) {
        if (subject.error === undefined)
          notes.push(`${subject.name}, ${SHORT[workload.id]}: ${why(subject, workload.id)}`);
        continue;
      }
      const relative =
        subject.relativeTo === undefined
          ? ""
          : ` · ${times(summarize(suite, subject, workload.id, subject.relativeTo)?.ratio ?? Number.NaN)} of ${subject.relativeTo}`;
      rows.push([
        SHORT[workload.id],
        subject.name,
        ops(summary.median),
        `${ops(summary.min)} – ${ops(summary.max)}`,
        `${times(summary.ratio)}${relative}`,
        `${times(summary.ratioMin)} – ${times(summary.ratioMax)}`,
      ]);
    }
  }
  parts.push("Figures per workload (ops/s counts what the workload's unit says):");
  parts.push(
    table(
      [
        "workload",
        "subject",
        "median ops/s",
        "min – max ops/s",
        "× baseline (median)",
        "ratio min – max",
      ],
      rows,
    ),
  );
  if (notes.length > 0)
    parts.push(`Not measured:\n\n${notes.map((note) => `- ${note}`).join("\n")}`);
  const costed = suite.subjects.filter((subject) => subject.costs !== undefined);
  if (costed.length > 0) {
    parts.push(
      "What single calls cost on the wire (counted around one call each, after the rounds): " +
        "**commands** the server executed for the client's connection (from `MONITOR`, kept to the " +
        "bench's database and to connections that touched the probe's keys), commands run " +
        "**inside scripts**, **round trips** (bursts of `socket.write()` calls on the client's " +
        "socket separated by a reply from the server: the number of times the call waited for the " +
        "network) and the raw number of **writes**.",
    );
    parts.push(
      table(
        ["subject", "call", "commands", "in scripts", "round trips", "writes", "commands seen"],
        costed.flatMap((subject) =>
          (subject.costs ?? []).map((cost) => [
            subject.name,
            cost.call,
            String(cost.commands),
            String(cost.scriptCommands),
            String(cost.roundTrips),
            String(cost.writes),
            cost.detail,
          ]),
        ),
      ),
    );
  }
  return parts.join("\n\n");
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
    `A ${run.mode} run, started ${run.startedAt}, took ${run.seconds.toFixed(0)} s: ${run.rounds} rounds of ${run.durationMs} ms per subject and workload (subjects taking turns every ${run.sliceMs} ms) after a ${run.warmupMs} ms warm-up${run.heapBallastMb > 0 ? `, with ${run.heapBallastMb} MB of unrelated objects held in the heap` : ""}.`,
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
    "Every target of the performance issue, per workload (wrappers without a target are in the table above):",
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
  const skipped = report.suites.filter((suite) => suite.skipped !== undefined);
  if (skipped.length > 0) {
    parts.push("## Skipped backends");
    parts.push(skipped.map((suite) => `- ${suite.title}: ${suite.skipped}`).join("\n"));
  }
  for (const suite of report.suites) {
    if (suite.skipped === undefined) parts.push(suiteSection(suite, report.workloads));
  }
  return `${parts.join("\n\n")}\n`;
}

import { ratiosTo, type SubjectResult, type SuiteResult } from "./harness.ts";
import type { Sharing } from "./options.ts";
import { median, range } from "./stats.ts";
import type { Workload, WorkloadId } from "./types.ts";

/** The short workload names the report's tables use. */
export const SHORT: Record<WorkloadId, string> = {
  "put-get": "put→get",
  "get-concurrent": "100 concurrent gets",
  "get-many-10": "getMany(10)",
  "get-many": "getMany(100)",
  "get-many-1000": "getMany(1000)",
  "put-many-10": "putMany(10)",
  "put-many": "putMany(100)",
  "put-many-1000": "putMany(1000)",
  "put-get-10kb": "put→get 10 KB",
  "put-ttl": "put with TTL",
  "put-many-ttl": "putMany(100) with TTL",
  "put-if-absent": "putIfAbsent",
  increment: "increment",
  "put-if-version": "getVersioned→putIfVersion",
  "get-or-set-hit": "getOrSet hit",
  "get-or-set-miss": "getOrSet miss",
  "blob-put-4kb": "blob put 4 KB",
  "blob-get-4kb": "blob get 4 KB",
  "blob-put-1mb": "blob put 1 MB",
  "blob-get-1mb": "blob get 1 MB",
  "blob-put-100mb": "blob put 100 MB",
  "blob-get-100mb": "blob get 100 MB",
};

const number = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });
const ops = (value: number) => (Number.isFinite(value) ? number.format(value) : "—");
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "—");

/** A Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

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

/** One suite's figures in one mode. */
export interface SuiteView {
  /** The mode they were measured in. */
  sharing: Sharing;
  /** The figures. */
  suite: SuiteResult;
}

const LABEL: Record<Sharing, string> = { "per-suite": "per suite", shared: "shared process" };

function why(subject: SubjectResult, workload: WorkloadId): string {
  return (
    subject.unsupported[workload] ??
    subject.workloads[workload]?.error ??
    subject.error ??
    "not measured"
  );
}

/** The subject named `name` in a view, or undefined. */
const subjectIn = ({ suite }: SuiteView, name: string) =>
  suite.subjects.find((subject) => subject.name === name);

/** A subject's summary on one workload in one view, against the suite's baseline. */
function summaryIn(view: SuiteView, name: string, workload: WorkloadId) {
  const subject = subjectIn(view, name);
  if (subject === undefined) return undefined;
  const summary = summarize(view.suite, subject, workload, view.suite.baseline);
  return summary === undefined ? undefined : { subject, summary };
}

/** The cells of one subject on one workload in one view: median ops/s, min–max, ratio, spread. */
function figureCells(view: SuiteView, name: string, workload: WorkloadId): string[] {
  const found = summaryIn(view, name, workload);
  if (found === undefined) return ["n/a", "", "n/a", ""];
  const { subject, summary } = found;
  const relative =
    subject.relativeTo === undefined
      ? ""
      : ` · ${times(summarize(view.suite, subject, workload, subject.relativeTo)?.ratio ?? Number.NaN)} of ${subject.relativeTo}`;
  return [
    ops(summary.median),
    `${ops(summary.min)} – ${ops(summary.max)}`,
    `${times(summary.ratio)}${relative}`,
    `${times(summary.ratioMin)} – ${times(summary.ratioMax)}`,
  ];
}

function costSection(views: readonly SuiteView[]): string[] {
  const costed = views
    .map(({ suite }) => suite.subjects.filter((subject) => subject.costs !== undefined))
    .find((subjects) => subjects.length > 0);
  if (costed === undefined) return [];
  return [
    "What single calls cost on the wire (counted around one call each, after the rounds): " +
      "**commands** the server executed for the client's connection (from `MONITOR`, kept to the " +
      "bench's database and to connections that touched the probe's keys), commands run " +
      "**inside scripts**, **round trips** (bursts of `socket.write()` calls on the client's " +
      "socket separated by a reply from the server: the number of times the call waited for the " +
      "network) and the raw number of **writes**.",
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
  ];
}

/**
 * The section of one suite: its subjects, the ratio table and the figures per workload, each
 * mode side by side (per suite, then shared process) when both were measured.
 */
export function suiteSection(
  measured: readonly SuiteView[],
  workloads: readonly Pick<Workload, "id">[],
): string {
  const first = measured[0]?.suite;
  if (first === undefined) return "";
  const parts = [`## ${first.title} (baseline: ${first.baseline})`];
  const views = measured.filter(({ suite }) => suite.skipped === undefined);
  const both = views.length > 1;
  for (const { sharing, suite } of measured) {
    if (suite.skipped === undefined) continue;
    const label = measured.length > 1 ? ` (${LABEL[sharing]})` : "";
    parts.push(`**Skipped${label}:** ${suite.skipped}`);
  }
  const shown = views[0]?.suite;
  if (shown === undefined) return parts.join("\n\n");
  parts.push(
    table(
      ["subject", "role", "what"],
      shown.subjects.map(({ name, role, description }) => {
        const errors = [...new Set(views.map((view) => subjectIn(view, name)?.error))];
        const error = errors.filter((text) => text !== undefined).join("; ");
        return [name, role, error === "" ? description : `${description} — **${error}**`];
      }),
    ),
  );
  const heaps = views.filter(({ suite }) => suite.heapUsedMb !== undefined);
  if (heaps.length > 0) {
    const sizes = heaps.map(({ sharing, suite }) => `${suite.heapUsedMb} MB (${LABEL[sharing]})`);
    parts.push(`Heap in use when the rounds began, after a collection: ${sizes.join(" · ")}.`);
  }
  const labels = views.map(({ sharing }) => LABEL[sharing]).join(" · ");
  parts.push(
    `Median of the per-round ratios to **${shown.baseline}** (higher is faster; the baseline is 1.00×)${both ? `, ${labels}` : ""}:`,
  );
  parts.push(
    table(
      ["subject", ...workloads.map(({ id }) => SHORT[id])],
      shown.subjects.map(({ name }) => [
        name,
        ...workloads.map(({ id }) =>
          views
            .map((view) => {
              const ratio = summaryIn(view, name, id)?.summary.ratio;
              return ratio === undefined ? "n/a" : times(ratio);
            })
            .join(" · "),
        ),
      ]),
    ),
  );
  const rows: string[][] = [];
  const notes = new Set<string>();
  for (const { id } of workloads) {
    for (const { name } of shown.subjects) {
      const missing = views.flatMap((view) => {
        const subject = subjectIn(view, name);
        if (subject === undefined || subject.error !== undefined) return [];
        if (summaryIn(view, name, id) !== undefined) return [];
        return [
          `${name}, ${SHORT[id]}${both ? ` (${LABEL[view.sharing]})` : ""}: ${why(subject, id)}`,
        ];
      });
      for (const note of missing) notes.add(note);
      const cells = views.map((view) => figureCells(view, name, id));
      if (cells.every((cell) => cell[0] === "n/a")) continue;
      rows.push([SHORT[id], name, ...cells.flat()]);
    }
  }
  const columns = ["median ops/s", "min – max ops/s", "× baseline (median)", "ratio min – max"];
  parts.push("Figures per workload (ops/s counts what the workload's unit says):");
  parts.push(
    table(
      [
        "workload",
        "subject",
        ...views.flatMap(({ sharing }) =>
          columns.map((column) => (both ? `${column}, ${LABEL[sharing]}` : column)),
        ),
      ],
      rows,
    ),
  );
  if (notes.size > 0) {
    parts.push(`Not measured:\n\n${[...notes].map((note) => `- ${note}`).join("\n")}`);
  }
  parts.push(...costSection(views));
  return parts.join("\n\n");
}

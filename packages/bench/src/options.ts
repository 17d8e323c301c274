import { parseArgs } from "node:util";

/**
 * How the suites share a process: `per-suite` loads and opens one suite's drivers at a time;
 * `shared` loads and opens every suite's subjects up front, in one heap, as an application does.
 */
export type Sharing = "per-suite" | "shared";

/** What the command line asked for. */
export interface BenchOptions {
  /** Which preset the defaults come from. */
  mode: "quick" | "full" | "custom";
  /** Measured rounds. */
  rounds: number;
  /** Milliseconds per measurement. */
  durationMs: number;
  /** Milliseconds of warm-up per subject and workload. */
  warmupMs: number;
  /** Milliseconds of one slice of a measurement (subjects take turns slice by slice). */
  sliceMs: number;
  /** Megabytes of unrelated live objects held during the run, standing in for an application. */
  heapBallastMb: number;
  /** The modes to run, in order (per-suite first: it needs a heap without the other drivers). */
  sharing: Sharing[];
  /** Suite ids to run; all when empty. */
  only: string[];
  /** Where report.md and report.json go. */
  outDir: string | undefined;
  /** Re-render report.md (targets included) from this report.json instead of running. */
  fromJson: string | undefined;
  /** Print usage and exit. */
  help: boolean;
}

/** The usage text. */
export const USAGE = `Usage: pnpm bench [--quick] [--rounds N] [--duration-ms N] [--warmup-ms N] [--slice-ms N]
                  [--shared | --per-suite] [--heap-mb N] [--only a,b] [--out DIR]

  --quick          3 rounds of 30 ms (slices of 15 ms) after a 10 ms warm-up: under a minute
  (default)        5 rounds of 200 ms (slices of 25 ms) after a 100 ms warm-up: a few minutes
  --rounds N       measured rounds
  --duration-ms N  how long each subject runs each workload per round
  --warmup-ms N    length of the warm-up measurement
  --slice-ms N     subjects take turns every N ms within a round
  --shared         only the shared-process mode: every suite's subjects loaded and open at once
  --per-suite      only the per-suite mode: each suite's drivers loaded when it runs
                   (without either, both modes run, per-suite first, and the report shows both)
  --heap-mb N      hold N MB of unrelated live objects during the run, as an application would
  --only a,b       run only these suites (memory, redis, leveldb, ...)
  --out DIR        where report.md and report.json go (default: bench-results/ at the repository root)
  --from-json FILE write report.md from an earlier report.json instead of running
`;

const PRESETS = {
  quick: { rounds: 3, durationMs: 30, warmupMs: 10, sliceMs: 15 },
  full: { rounds: 5, durationMs: 200, warmupMs: 100, sliceMs: 25 },
} as const;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`--${name} must be a positive integer, got ${text}`);
  }
  return value;
}

/**
 * Reads the command line. A lone `--` (as some package managers forward it) is ignored.
 * @throws TypeError for an unknown option, RangeError for a bad number
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      "duration-ms": { type: "string" },
      "warmup-ms": { type: "string" },
      "slice-ms": { type: "string" },
      shared: { type: "boolean", default: false },
      "per-suite": { type: "boolean", default: false },
      "heap-mb": { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      "from-json": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.shared && values["per-suite"]) {
    throw new TypeError("--shared and --per-suite exclude each other; give neither for both");
  }
  const sharing: Sharing[] = values.shared
    ? ["shared"]
    : values["per-suite"]
      ? ["per-suite"]
      : ["per-suite", "shared"];
  const preset = values.quick ? PRESETS.quick : PRESETS.full;
  const custom =
    values.rounds !== undefined ||
    values["duration-ms"] !== undefined ||
    values["warmup-ms"] !== undefined ||
    values["slice-ms"] !== undefined;
  return {
    mode: custom ? "custom" : values.quick ? "quick" : "full",
    rounds: positive("rounds", values.rounds, preset.rounds),
    durationMs: positive("duration-ms", values["duration-ms"], preset.durationMs),
    warmupMs: positive("warmup-ms", values["warmup-ms"], preset.warmupMs),
    sliceMs: positive("slice-ms", values["slice-ms"], preset.sliceMs),
    sharing,
    heapBallastMb: values["heap-mb"] === undefined ? 0 : positive("heap-mb", values["heap-mb"], 0),
    only: (values.only ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
    outDir: values.out,
    fromJson: values["from-json"],
    help: values.help,
  };
}

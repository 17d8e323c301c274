import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BLOB_WORKLOADS } from "./blob-workloads.ts";
import { CACHE_WORKLOADS } from "./cache-workloads.ts";
import { loadAverage, machine, REPO_ROOT } from "./environment.ts";
import type { SuiteResult } from "./harness.ts";
import { heapBallast } from "./heap-ballast.ts";
import { parseOptions, type Sharing, USAGE } from "./options.ts";
import { type Report, renderMarkdown, targetFigures, versionsOf } from "./report.ts";
import { runSuites } from "./sharing.ts";
import { SUITES } from "./suites/index.ts";
import { checkTargets } from "./targets.ts";
import { WORKLOADS } from "./workloads.ts";

const options = parseOptions(process.argv.slice(2));
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (options.fromJson !== undefined) {
  const earlier = JSON.parse(readFileSync(options.fromJson, "utf8")) as Report;
  earlier.targets = checkTargets(targetFigures(earlier));
  const directory = resolve(options.outDir ?? dirname(options.fromJson));
  mkdirSync(directory, { recursive: true });
  const target = join(directory, "report.md");
  writeFileSync(target, renderMarkdown(earlier));
  process.stdout.write(`${target}\n`);
  process.exit(0);
}
const unknown = options.only.filter((id) => !SUITES.some((suite) => suite.id === id));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown suite(s): ${unknown.join(", ")}. Known: ${SUITES.map(({ id }) => id).join(", ")}\n`,
  );
  process.exit(2);
}
if ((globalThis as { gc?: unknown }).gc === undefined) {
  process.stderr.write(
    "note: run with --expose-gc (pnpm bench does) to collect garbage between measurements\n",
  );
}

const started = performance.now();
const startedAt = new Date().toISOString();
const loadBefore = loadAverage();
const log = (message: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`,
  );
log(
  `${options.mode} (${options.sharing.join(", then ")}): ${options.rounds} rounds × ${options.durationMs} ms in ${options.sliceMs} ms slices, warm-up ${options.warmupMs} ms; load ${loadBefore}`,
);

const ballast = heapBallast(options.heapBallastMb);
if (ballast.length > 0) log(`holding ${options.heapBallastMb} MB of heap ballast`);
const selected = SUITES.filter(({ id }) => options.only.length === 0 || options.only.includes(id));
const figures: Partial<Record<Sharing, SuiteResult[]>> = {};
for (const sharing of options.sharing) {
  figures[sharing] = await runSuites(sharing, selected, WORKLOADS, {
    rounds: options.rounds,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    sliceMs: options.sliceMs,
    skipSlowSubjects: options.mode === "quick",
    onProgress: (message) => log(`${sharing} · ${message}`),
  });
}
const results = [...(figures["per-suite"] ?? []), ...(figures.shared ?? [])];

const report: Report = {
  run: {
    mode: options.mode,
    rounds: options.rounds,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    sliceMs: options.sliceMs,
    heapBallastMb: options.heapBallastMb,
    sharing: options.sharing,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    loadBefore,
    loadAfter: loadAverage(),
  },
  machine: machine(),
  versions: versionsOf(results),
  workloads: [...WORKLOADS, ...CACHE_WORKLOADS, ...BLOB_WORKLOADS].map(
    ({ id, title, unit, opsPerCall }) => ({
      id,
      title,
      unit,
      opsPerCall,
    }),
  ),
  suites: figures["per-suite"] ?? [],
  shared: figures.shared,
  targets: [],
};
report.targets = checkTargets(targetFigures(report));

const outDir = resolve(options.outDir ?? join(REPO_ROOT, "bench-results"));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, "report.md"), renderMarkdown(report));

const skipped = results.filter(({ skipped }) => skipped !== undefined);
for (const line of new Set(skipped.map(({ title, skipped }) => `${title}: ${skipped}`))) {
  log(`SKIPPED ${line}`);
}
log(
  `targets checked on the ${report.shared === undefined ? "per-suite" : "shared-process"} figures`,
);
for (const outcome of report.targets) {
  if (outcome.verdict === "not measured" || outcome.verdict === "reported") continue;
  log(
    `${outcome.verdict.padEnd(8)} ${outcome.target} · ${outcome.on}: ${outcome.measured} (${outcome.margin})`,
  );
}
log(`done in ${report.run.seconds.toFixed(0)} s; load ${report.run.loadAfter}`);
process.stdout.write(`${join(outDir, "report.md")}\n${join(outDir, "report.json")}\n`);
// Drivers may keep sockets or timers alive; the run is over.
if (ballast.length > 0) log(`released ${ballast.length} ballast objects`);
process.exit(0);

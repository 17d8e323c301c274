// Profiles one subject on one workload with `node --cpu-prof`, then prints where the CPU time
// went: self time by function, from the profile written to bench-results/profiles/.
// Usage: pnpm --filter @kv/bench profile <suite> "<subject>" <workload> [seconds]
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CACHE_WORKLOADS } from "./cache-workloads.ts";
import { REPO_ROOT } from "./environment.ts";
import { measure } from "./harness.ts";
import { SUITES } from "./suites/index.ts";
import { WORKLOADS } from "./workloads.ts";

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const PROFILED = "KV_BENCH_PROFILED";
const [suiteId, subjectName, workloadId, secondsText = "5"] = process.argv.slice(2);
const profileDir = join(REPO_ROOT, "bench-results", "profiles");

async function run(): Promise<void> {
  const suite = await SUITES.find(({ id }) => id === suiteId)?.load();
  const subject = suite?.subjects.find(({ name }) => name === subjectName);
  const workloads = [...WORKLOADS, ...CACHE_WORKLOADS];
  const workload = workloads.find(({ id }) => id === workloadId);
  if (suite === undefined || subject === undefined || workload === undefined) {
    process.stderr.write(
      `usage: profile <suite> "<subject>" <workload> [seconds]\n` +
        `suites: ${SUITES.map(({ id }) => id).join(", ")}\n` +
        `workloads: ${workloads.map(({ id }) => id).join(", ")}\n`,
    );
    process.exit(2);
  }
  const client = await subject.open();
  const call = await workload.prepare(client);
  await measure(call, 500);
  const { calls, elapsedMs } = await measure(call, Number(secondsText) * 1000, 10);
  const rate = (calls / elapsedMs) * 1000 * workload.opsPerCall;
  process.stdout.write(`${subject.name} · ${workload.id}: ${Math.round(rate)} ops/s\n`);
  await client.close();
  await suite.cleanup?.();
}

/** Prints the main thread's newest profile (thread 0; tsx's loader thread writes one too). */
function summarize(top = 30): void {
  const newest = readdirSync(profileDir)
    .filter((name) => /\.0\.\d+\.cpuprofile$/.test(name))
    .map((name) => join(profileDir, name))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    .at(-1);
  if (newest === undefined) return;
  const { nodes } = JSON.parse(readFileSync(newest, "utf8")) as { nodes: ProfileNode[] };
  const selfHits = new Map<string, number>();
  let total = 0;
  for (const { callFrame, hitCount = 0 } of nodes) {
    total += hitCount;
    const file = callFrame.url.replace(/^.*\/(packages|node_modules)\//, "$1/");
    const where = file === "" ? "" : ` ${file}:${callFrame.lineNumber + 1}`;
    const label = `${callFrame.functionName || "(anonymous)"}${where}`;
    selfHits.set(label, (selfHits.get(label) ?? 0) + hitCount);
  }
  process.stdout.write(`${newest}\nself time by function:\n`);
  for (const [label, hits] of [...selfHits].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)} %  ${label}\n`);
  }
}

if (process.env[PROFILED] === "1") {
  await run();
  process.exit(0);
} else {
  mkdirSync(profileDir, { recursive: true });
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--cpu-prof",
      `--cpu-prof-dir=${profileDir}`,
      process.argv[1] ?? "",
      ...process.argv.slice(2),
    ],
    { stdio: "inherit", env: { ...process.env, [PROFILED]: "1" } },
  );
  if (child.status === 0) summarize();
  process.exit(child.status ?? 1);
}

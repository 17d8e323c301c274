// An independent cross-check of the bench's shared-process ratios. It shares no code with the
// harness: four subjects open in one process (@kv/memory, a Map of JSON strings, @kv/redis, raw
// ioredis), plain counted loops, the two subjects of a pair alternating turn by turn, the median
// of the per-round ratios. It then prints the harness's figures for the same workloads from a
// report.json, when there is one, with their difference and whether it is within two standard
// errors of the two medians (the noise). `--heap-mb N` holds N MB of unrelated small objects,
// for a heap the size of the harness's shared process.
// Usage: pnpm --filter @kv/bench crosscheck [--rounds N] [--report FILE] [--heap-mb N]
import { deepStrictEqual } from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MemoryStore } from "@kv/memory";
import { RedisStore } from "@kv/redis";
import { Redis } from "ioredis";

type Doc = { [key: string]: unknown };
interface Subject {
  put(key: string, value: Doc): Promise<unknown>;
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
}

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    rounds: { type: "string", default: "21" },
    report: { type: "string" },
    "heap-mb": { type: "string", default: "0" },
  },
});
const rounds = Number(args.rounds);
const reportPath =
  args.report ??
  join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bench-results", "report.json");
const held: { n: number; label: string }[] = [];
while (held.length < Number(args["heap-mb"]) * 12_000) {
  held.push({ n: held.length, label: `held ${held.length}` });
}
const TURNS = 8;
const TURN_MS = 25;
const doc: Doc = {
  id: 4711,
  name: "Ada Lovelace",
  email: "ada@example.com",
  roles: ["admin", "editor"],
  active: true,
};
const cycle = Array.from({ length: 1000 }, (_, i) => `xc:${i}`);
const hundred = cycle.slice(0, 100);

/** The value of stored text `{ value, created_at, expires_at? }`, unless it has expired. */
function unwrap(text: string | null | undefined): Doc | undefined {
  if (text == null) return undefined;
  const stored = JSON.parse(text) as { value: Doc; expires_at?: number };
  return stored.expires_at !== undefined && stored.expires_at <= Date.now()
    ? undefined
    : stored.value;
}
const wrap = (value: Doc) => JSON.stringify({ value, created_at: Date.now() });

const map = new Map<string, string>();
const mapSubject: Subject = {
  put: async (key, value) => map.set(key, wrap(value)),
  get: async (key) => unwrap(map.get(key)),
  getMany: async (keys) => keys.map((key) => unwrap(map.get(key))),
};
const memory = new MemoryStore();
const db = Number(process.env.KV_BENCH_REDIS_DB ?? 9);
const redisUrl = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
redisUrl.pathname = `/${db}`;
const raw = new Redis(redisUrl.toString());
const rawSubject: Subject = {
  put: (key, value) => raw.set(`kvcross-raw:${key}`, wrap(value)),
  get: async (key) => unwrap(await raw.get(`kvcross-raw:${key}`)),
  getMany: async (keys) => (await raw.mget(keys.map((key) => `kvcross-raw:${key}`))).map(unwrap),
};
const redis = new RedisStore({ url: redisUrl.toString(), defaultCollection: "kvcross-kv" });

const loops: Record<string, (subject: Subject, count: number) => Promise<void>> = {
  "put-get": async (subject, count) => {
    for (let i = 0; i < count; i++) {
      const key = cycle[i % 1000] ?? "";
      await subject.put(key, doc);
      await subject.get(key);
    }
  },
  "get-many": async (subject, count) => {
    for (let i = 0; i < count; i++) await subject.getMany(hundred);
  },
};
const titles: Record<string, string> = { "put-get": "put→get", "get-many": "getMany(100)" };

/** Seconds one subject needs for `count` calls of a loop. */
async function timed(loop: (s: Subject, n: number) => Promise<void>, s: Subject, n: number) {
  const start = performance.now();
  await loop(s, n);
  return (performance.now() - start) / 1000;
}

/** Per-round ratios (subject ops/s ÷ baseline ops/s) of one pair on one workload. */
async function compare(base: Subject, subject: Subject, workload: string): Promise<number[]> {
  const loop = loops[workload];
  if (loop === undefined) throw new Error(workload);
  for (const s of [base, subject]) {
    for (const key of hundred) await s.put(key, doc);
    deepStrictEqual(await s.get("xc:7"), doc);
    deepStrictEqual((await s.getMany(hundred))[99], doc);
  }
  let count = 1;
  let seconds = await timed(loop, base, count);
  while (seconds < 0.005) {
    count *= 2;
    seconds = await timed(loop, base, count);
  }
  count = Math.ceil((count * TURN_MS) / 1000 / seconds);
  await timed(loop, subject, count);
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let baseSeconds = 0;
    let subjectSeconds = 0;
    for (let turn = 0; turn < TURNS; turn++) {
      const baseFirst = (round + turn) % 2 === 0;
      if (baseFirst) baseSeconds += await timed(loop, base, count);
      subjectSeconds += await timed(loop, subject, count);
      if (!baseFirst) baseSeconds += await timed(loop, base, count);
    }
    ratios.push(baseSeconds / subjectSeconds);
  }
  return ratios;
}

/** The `p` quantile of a list, interpolating between neighbours. */
function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (sorted.length - 1) * p;
  const below = sorted[Math.floor(at)] ?? Number.NaN;
  const above = sorted[Math.ceil(at)] ?? below;
  return below + (above - below) * (at - Math.floor(at));
}
const middle = (values: readonly number[]) => quantile(values, 0.5);
const iqr = (values: readonly number[]) => quantile(values, 0.75) - quantile(values, 0.25);
/** The standard error of a median, from the interquartile range (normal approximation). */
const medianError = (values: readonly number[]) => (0.93 * iqr(values)) / Math.sqrt(values.length);
const fmt = (r: number) => `${r.toFixed(2)}×`;
const quartiles = (values: readonly number[]) =>
  `${fmt(middle(values))} (${fmt(quantile(values, 0.25))} – ${fmt(quantile(values, 0.75))})`;

interface HarnessSubject {
  name: string;
  workloads: Record<string, { opsPerSec: (number | null)[]; error?: string }>;
}
/** The harness's per-round ratios for a pair in the shared-process figures of a report.json. */
function harnessRatios(suiteId: string, baseName: string, name: string, workload: string) {
  if (!existsSync(reportPath)) return undefined;
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as {
    shared?: { id: string; subjects: HarnessSubject[] }[];
  };
  const subjects = report.shared?.find(({ id }) => id === suiteId)?.subjects ?? [];
  const figures = (who: string) => subjects.find((s) => s.name === who)?.workloads[workload];
  const [top, bottom] = [figures(name), figures(baseName)];
  if (top === undefined || bottom === undefined || top.error || bottom.error) return undefined;
  return top.opsPerSec.flatMap((ops, i) => {
    const under = bottom.opsPerSec[i];
    return ops == null || under == null ? [] : [ops / under];
  });
}

const pairs = [
  { suite: "memory", base: ["Map (JSON envelope)", mapSubject], kv: ["@kv/memory", memory] },
  { suite: "redis", base: ["ioredis (raw)", rawSubject], kv: ["@kv/redis", redis] },
] as const;
const started = new Date().toISOString();
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const loadBefore = load();
const lines = [
  "| pair | workload | cross-check: median (quartiles) | harness, shared process: median (quartiles) | difference | noise (2 standard errors) | agree |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
for (const { suite, base, kv } of pairs) {
  for (const workload of Object.keys(loops)) {
    const mine = await compare(base[1], kv[1], workload);
    const theirs = harnessRatios(suite, base[0], kv[0], workload);
    const cells = [`${kv[0]} ÷ ${base[0]}`, titles[workload] ?? workload, quartiles(mine)];
    if (theirs === undefined || theirs.length === 0) {
      cells.push("no report.json with shared-process figures", "—", "—", "—");
    } else {
      const difference = middle(mine) - middle(theirs);
      const noise = 2 * Math.hypot(medianError(mine), medianError(theirs));
      const sign = difference < 0 ? "−" : "+";
      cells.push(quartiles(theirs), `${sign}${fmt(Math.abs(difference))}`, fmt(noise));
      cells.push(Math.abs(difference) <= noise ? "yes" : "**no**");
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
}
const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
process.stdout.write(
  `Cross-check started ${started}: ${rounds} rounds × ${TURNS} alternating turns of about ${TURN_MS} ms; ` +
    `load ${loadBefore} → ${load()}; heap ${heapMb} MB (${held.length} objects held); ` +
    `harness figures from ${existsSync(reportPath) ? reportPath : "(none)"}\n\n${lines.join("\n")}\n`,
);

let cursor = "0";
do {
  const [next, keys] = await raw.scan(cursor, "MATCH", "kvcross*", "COUNT", 1000);
  cursor = next;
  if (keys.length > 0) await raw.unlink(keys);
} while (cursor !== "0");
await redis.close();
raw.disconnect();

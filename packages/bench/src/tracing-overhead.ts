// What observability costs when nobody is observing, measured closer than the harness can on a
// loaded machine: `@kv/memory` against the same store without the protocol's diagnostics_channel
// hook (no subscriber), and `@kv/opentelemetry` with no SDK registered against bare `@kv/memory`.
// The two subjects of a pair alternate in short turns (about 10 ms); each pair of turns gives one
// ratio of their throughputs, from the process's CPU time (less disturbed by other processes on
// the machine than wall time, which is printed beside it); the median of the ratios is reported
// with its interquartile range. A store compared with itself shows how far apart two identical
// subjects come out.
// Usage: node --conditions=@kv/source --import tsx src/tracing-overhead.ts [--pairs N]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { MemoryStore } from "@kv/memory";
import { OpenTelemetryWrapper } from "@kv/opentelemetry";
import type { KeyValue } from "@kv/protocol";
import { UntracedMemoryStore } from "./untraced-memory.ts";
import { SMALL_VALUE } from "./workloads.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: { pairs: { type: "string", default: "301" } },
});
const PAIRS = Number(args.pairs);
const TURN_MS = 10;

const names = Array.from({ length: 1000 }, (_, index) => `overhead:${index}`);
const hundred = names.slice(0, 100);
const entries = hundred.map((name) => [name, SMALL_VALUE] as const);
const withTtl = { ttl: 3600 };

type Call = (store: KeyValue, index: number) => Promise<unknown>;
const WORKLOADS: Record<string, Call> = {
  "put→get": async (store, index) => {
    const key = names[index % names.length] ?? "";
    await store.put(key, SMALL_VALUE);
    await store.get(key);
  },
  "put with TTL": (store, index) =>
    store.put(names[index % names.length] ?? "", SMALL_VALUE, withTtl),
  "getMany(100)": (store) => store.getMany(hundred),
  "putMany(100)": (store) => store.putMany(entries),
};

const COMPARISONS: { subject: string; open: () => KeyValue; to: string; openTo: () => KeyValue }[] =
  [
    {
      subject: "@kv/memory",
      open: () => new MemoryStore(),
      to: "@kv/memory (the same store class twice: the noise floor)",
      openTo: () => new MemoryStore(),
    },
    {
      subject: "@kv/memory (hook, no subscriber)",
      open: () => new MemoryStore(),
      to: "@kv/memory without the hook",
      openTo: () => new UntracedMemoryStore(),
    },
    {
      subject: "@kv/opentelemetry, no SDK",
      open: () => new OpenTelemetryWrapper(new MemoryStore()),
      to: "@kv/memory",
      openTo: () => new MemoryStore(),
    },
  ];

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function turn(store: KeyValue, call: Call, calls: number) {
  const cpu = cpuMicros();
  const wall = performance.now();
  for (let index = 0; index < calls; index++) await call(store, index);
  return { cpu: cpuMicros() - cpu, wall: performance.now() - wall };
}

function quartiles(values: readonly number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.floor((sorted.length - 1) * fraction)] ?? Number.NaN;
  return [at(0.25), at(0.5), at(0.75)];
}

const format = ([low, middle, high]: [number, number, number]) =>
  `${middle.toFixed(3)}× (${low.toFixed(3)}–${high.toFixed(3)})`;

console.log(
  `load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(" ")}, ${PAIRS} pairs of turns`,
);
for (const { subject, open, to, openTo } of COMPARISONS) {
  for (const [workload, call] of Object.entries(WORKLOADS)) {
    const mine = open();
    const theirs = openTo();
    await turn(mine, call, 2000);
    await turn(theirs, call, 2000);
    // The fastest of five probes: a probe the scheduler interrupted would make turns too short.
    let fastest = Number.POSITIVE_INFINITY;
    for (let probe = 0; probe < 5; probe++) {
      fastest = Math.min(fastest, (await turn(mine, call, 200)).wall);
    }
    const calls = Math.max(10, Math.round((200 * TURN_MS) / Math.max(fastest, 0.01)));
    const cpuRatios: number[] = [];
    const wallRatios: number[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const mineFirst = pair % 2 === 0;
      const first = await turn(mineFirst ? mine : theirs, call, calls);
      const second = await turn(mineFirst ? theirs : mine, call, calls);
      const [own, other] = mineFirst ? [first, second] : [second, first];
      if (own.cpu > 0 && other.cpu > 0) cpuRatios.push(other.cpu / own.cpu);
      wallRatios.push(other.wall / own.wall);
    }
    console.log(
      `${subject} ÷ ${to}, ${workload}: CPU ${format(quartiles(cpuRatios))}, wall ${format(quartiles(wallRatios))}, ${calls} calls a turn`,
    );
  }
}
console.log(
  `load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(" ")}`,
);

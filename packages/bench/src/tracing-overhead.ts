// What observability costs when nobody is observing, measured closer than the harness can on a
// loaded machine: `@kv/memory` against the same store without the protocol's diagnostics_channel
// hook (no subscriber), and `@kv/opentelemetry` with no SDK registered against bare `@kv/memory`.
// The two subjects of a pair alternate in short turns (about 10 ms); each pair of turns gives one
// ratio of their throughputs, from the process's CPU time (less disturbed by other processes on
// the machine than wall time, which is printed beside it); the median of the ratios is reported
// with its interquartile range. A store compared with itself shows how far apart two identical
// subjects come out.
// Usage: node --import tsx --import ./src/build-first.ts src/tracing-overhead.ts [--pairs N]
import { parseArgs } from "node:util";
import { MemoryStore } from "@kv/memory";
import { OpenTelemetryWrapper } from "@kv/opentelemetry";
import type { KeyValue } from "@kv/protocol";
import { formatRatios, loadAverages, type PairedCall, pairedRatios } from "./paired-turns.ts";
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

type Call = PairedCall<KeyValue>;
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

console.log(`load ${loadAverages()}, ${PAIRS} pairs of turns`);
for (const { subject, open, to, openTo } of COMPARISONS) {
  for (const [workload, call] of Object.entries(WORKLOADS)) {
    const { cpu, wall, calls } = await pairedRatios(open(), openTo(), call, {
      pairs: PAIRS,
      turnMs: TURN_MS,
    });
    console.log(
      `${subject} ÷ ${to}, ${workload}: CPU ${formatRatios(cpu)}, wall ${formatRatios(wall)}, ${calls} calls a turn`,
    );
  }
}
console.log(`load ${loadAverages()}`);

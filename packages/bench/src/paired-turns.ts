// Two subjects measured against each other closer than the harness can on a loaded machine: they
// alternate in short turns, and each pair of turns gives one ratio of their throughputs, from the
// process's CPU time (less disturbed by other processes than wall time, kept beside it).
import { loadavg } from "node:os";

/** One call of a workload on a subject; `index` counts the calls of a turn. */
export type PairedCall<S> = (subject: S, index: number) => Promise<unknown>;

/** The ratios of one comparison, one per pair of turns: `mine ÷ theirs` throughput. */
export interface PairedRatios {
  /** From CPU time. */
  readonly cpu: number[];
  /** From wall time. */
  readonly wall: number[];
  /** How many calls each turn made. */
  readonly calls: number;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function turn<S>(subject: S, call: PairedCall<S>, calls: number) {
  const cpu = cpuMicros();
  const wall = performance.now();
  for (let index = 0; index < calls; index++) await call(subject, index);
  return { cpu: cpuMicros() - cpu, wall: performance.now() - wall };
}

/**
 * Warms both subjects up, sizes a turn to about `turnMs` from the fastest of five probes (a probe
 * the scheduler interrupted would make turns too short), then runs `pairs` pairs of turns,
 * alternating which subject goes first.
 */
export async function pairedRatios<S>(
  mine: S,
  theirs: S,
  call: PairedCall<S>,
  { pairs, turnMs }: { pairs: number; turnMs: number },
): Promise<PairedRatios> {
  await turn(mine, call, 2000);
  await turn(theirs, call, 2000);
  let fastest = Number.POSITIVE_INFINITY;
  for (let probe = 0; probe < 5; probe++) {
    fastest = Math.min(fastest, (await turn(mine, call, 200)).wall);
  }
  const calls = Math.max(10, Math.round((200 * turnMs) / Math.max(fastest, 0.01)));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const mineFirst = pair % 2 === 0;
    const first = await turn(mineFirst ? mine : theirs, call, calls);
    const second = await turn(mineFirst ? theirs : mine, call, calls);
    const [own, other] = mineFirst ? [first, second] : [second, first];
    if (own.cpu > 0 && other.cpu > 0) cpu.push(other.cpu / own.cpu);
    wall.push(other.wall / own.wall);
  }
  return { cpu, wall, calls };
}

/** `median× (first quartile–third quartile)` of ratios. */
export function formatRatios(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.floor((sorted.length - 1) * fraction)] ?? Number.NaN;
  return `${at(0.5).toFixed(3)}× (${at(0.25).toFixed(3)}–${at(0.75).toFixed(3)})`;
}

/** The machine's load averages, for the printout. */
export function loadAverages(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(" ");
}

import type { Entry, KeyValue, Value } from "@kv/protocol";
import type { CommandContext } from "../context.ts";
import { positiveInteger, positiveSeconds } from "../numbers.ts";
import { formatCount } from "../output.ts";
import { withStores } from "../with-stores.ts";

/** Options of bench. */
export interface BenchCommandOptions {
  seconds?: string | undefined;
  concurrency?: string | undefined;
  collection?: string | undefined;
}

/** Keys the probe writes, in turn (deleted at the end). */
const keySpace = 1000;
const bulkSize = 100;

/** One measured workload. */
interface Measured {
  workload: string;
  operations: number;
  perSecond: number;
}

/** Runs `step` from `concurrency` callers for `ms` milliseconds; counts the operations. */
async function measure(
  workload: string,
  ms: number,
  concurrency: number,
  opsPerStep: number,
  step: (n: number) => Promise<unknown>,
): Promise<Measured> {
  const started = performance.now();
  const deadline = started + ms;
  let steps = 0;
  const caller = async () => {
    while (performance.now() < deadline) await step(steps++);
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const operations = steps * opsPerStep;
  return { workload, operations, perSecond: operations / ((performance.now() - started) / 1000) };
}

/**
 * `kv bench URL`: a short throughput probe (single puts and gets, then 100-key bulk calls) in a
 * collection of its own, whose keys it deletes at the end. Figures only: they vary with the machine.
 */
export async function bench(
  url: string,
  options: BenchCommandOptions,
  { output }: CommandContext,
): Promise<void> {
  const seconds = options.seconds === undefined ? 4 : positiveSeconds(options.seconds, "--seconds");
  const concurrency =
    options.concurrency === undefined ? 8 : positiveInteger(options.concurrency, "--concurrency");
  const collection = options.collection ?? `kv-bench-${process.pid}`;
  const value: Value = { name: "bench", payload: "x".repeat(100), n: 42 };
  const key = (n: number) => `bench-${n % keySpace}`;
  const phaseMs = (seconds * 1000) / 4;
  const results = await withStores([url], async (store: KeyValue) => {
    const scope = { collection };
    const bulk = (n: number): Entry[] =>
      Array.from({ length: bulkSize }, (_, i) => [key(n * bulkSize + i), value] as const);
    try {
      return [
        await measure("put", phaseMs, concurrency, 1, (n) => store.put(key(n), value, scope)),
        await measure("get", phaseMs, concurrency, 1, (n) => store.get(key(n), scope)),
        await measure("putMany(100)", phaseMs, concurrency, bulkSize, (n) =>
          store.putMany(bulk(n), scope),
        ),
        await measure("getMany(100)", phaseMs, concurrency, bulkSize, (n) =>
          store.getMany(
            bulk(n).map(([k]) => k),
            scope,
          ),
        ),
      ];
    } finally {
      await store.deleteMany(
        Array.from({ length: keySpace }, (_, n) => key(n)),
        scope,
      );
    }
  });
  if (output.json) {
    for (const each of results) {
      await output.record({ ...each, perSecond: Math.round(each.perSecond), concurrency });
    }
    return;
  }
  await output.table(
    [
      { title: "workload" },
      { title: "operations", numeric: true },
      { title: "per second", numeric: true },
    ],
    results.map((each) => [
      each.workload,
      formatCount(each.operations),
      formatCount(each.perSecond),
    ]),
  );
  await output.line(
    `${concurrency} concurrent callers, ${seconds} s in all; keys deleted afterwards`,
  );
}

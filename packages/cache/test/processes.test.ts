import { describe, expect, it } from "vitest";
import type { Location } from "./fixtures/backends.ts";
import { useTestBackends } from "./fixtures/use-backends.ts";
import {
  type ComputedValue,
  Worker,
  type WorkerConfig,
  type WorkerResult,
} from "./fixtures/workers.ts";

const backends = await useTestBackends();

function total(results: readonly WorkerResult[], counter: "factoryRuns" | "lockTakeovers"): number {
  return results.reduce((sum, result) => sum + result.statistics[counter], 0);
}

/** Checks that every caller of every worker got one and the same value, and returns it. */
function expectOneValue(results: readonly WorkerResult[], callers: number): ComputedValue {
  const values = results.flatMap((result) => result.values);
  expect(values).toHaveLength(callers);
  expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
  return values[0] as ComputedValue;
}

/** How many times a factory began, in any process (the workers count in the store). */
async function factoryStarts(location: Location): Promise<unknown> {
  const counter = await backends.open(location).get("factory-starts", { collection: "witness" });
  return counter?.count;
}

describe.each(["redis", "sqlite"] as const)("processes sharing %s", (backend) => {
  it("4 processes × 25 callers: the factory runs once in total and everyone gets its value", async () => {
    const location = backends.fresh(backend);
    const config: WorkerConfig = {
      location,
      key: "report",
      mode: "race",
      callers: 25,
      lockTtl: 30,
      computeMs: 300,
    };
    const workers = await Promise.all(Array.from({ length: 4 }, () => Worker.start(config)));
    for (const worker of workers) worker.go();
    const results = await Promise.all(workers.map((worker) => worker.result()));

    expectOneValue(results, 100);
    expect(total(results, "factoryRuns")).toBe(1);
    expect(await factoryStarts(location)).toBe(1);
  });

  it("a lease holder SIGKILLed mid-compute: another process computes after the lease TTL, and all callers get its value", async () => {
    const location = backends.fresh(backend);
    const lockTtl = 4;
    const base = { location, key: "report", lockTtl, computeMs: 50 };
    const waiting = await Promise.all(
      Array.from({ length: 2 }, () => Worker.start({ ...base, mode: "race", callers: 25 })),
    );
    const holder = await Worker.start({ ...base, mode: "hang", callers: 1 });
    holder.go();
    const computingSince = Number((await holder.line("computing ")).split(" ")[1]);
    await holder.kill();
    for (const worker of waiting) worker.go();
    const results = await Promise.all(waiting.map((worker) => worker.result()));

    const value = expectOneValue(results, 50);
    expect(total(results, "factoryRuns")).toBe(1);
    expect(total(results, "lockTakeovers")).toBe(1);
    // The lease was taken just before the dead holder began computing, and lasts lockTtl.
    expect(value.computedAt).toBeGreaterThan(computingSince + lockTtl * 1000 - 1000);
    expect(await factoryStarts(location)).toBe(2);
  });
});

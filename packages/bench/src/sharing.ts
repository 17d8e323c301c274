import {
  type CostProbe,
  closeSuite,
  measureSuite,
  type OpenSuite,
  openSuite,
  type RunOptions,
  runSuite,
  type SuiteResult,
} from "./harness.ts";
import type { Sharing } from "./options.ts";
import type { Suite, Workload } from "./types.ts";

/** A suite as the bench lists it: its id and how to load its module (and so its drivers). */
export interface SuiteEntry {
  /** The suite's id. */
  id: string;
  /** Loads the suite's module and builds the suite. */
  load: () => Promise<Suite>;
}

/** Runs the suites of a list, in a mode of its own, and gives their results in the list's order. */
export type SuiteRunner = (
  entries: readonly SuiteEntry[],
  workloads: readonly Workload[],
  options: RunOptions,
) => Promise<SuiteResult[]>;

/** The cost probe a suite is measured with, if any (Redis counts its wire costs). */
async function probeFor(suite: Suite): Promise<CostProbe | undefined> {
  return suite.id === "redis" ? (await import("./redis-costs.ts")).redisCostProbe() : undefined;
}

/**
 * Per-suite mode: loads, opens, measures and closes one suite after another, so each suite runs
 * in a heap that holds only its own subjects (and the modules of the suites before it).
 */
export const runPerSuite: SuiteRunner = async (entries, workloads, options) => {
  const results: SuiteResult[] = [];
  for (const { load } of entries) {
    const suite = await load();
    results.push(await runSuite(suite, workloads, options, await probeFor(suite)));
  }
  return results;
};

/**
 * Shared-process mode: loads every suite and opens every subject (each writing what it will
 * read) before anything is measured, then measures the suites one after another while all of
 * them stay open, as an application holds all its clients in one heap; closes them all at the end.
 */
export const runShared: SuiteRunner = async (entries, workloads, options) => {
  const opened: OpenSuite[] = [];
  for (const { id, load } of entries) {
    options.onProgress?.(`${id}: opening (shared process)`);
    opened.push(await openSuite(await load(), workloads, options));
  }
  for (const entry of opened) await measureSuite(entry, workloads, options);
  const results: SuiteResult[] = [];
  for (const entry of opened) {
    results.push(await closeSuite(entry, options, await probeFor(entry.suite)));
  }
  return results;
};

/** Runs the suites in the given mode. */
export function runSuites(
  sharing: Sharing,
  entries: readonly SuiteEntry[],
  workloads: readonly Workload[],
  options: RunOptions,
): Promise<SuiteResult[]> {
  const run = sharing === "shared" ? runShared : runPerSuite;
  return run(entries, workloads, options);
}

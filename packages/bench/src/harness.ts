import { pairedRatios, rotate } from "./stats.ts";
import type { CallCost, Client, Role, Suite, Workload, WorkloadId } from "./types.ts";

/** How long and how often to measure. */
export interface RunOptions {
  /** Measured rounds; every subject runs every workload once per round. */
  rounds: number;
  /** How long one measurement runs, in milliseconds. */
  durationMs: number;
  /** How long the warm-up measurement of each subject and workload runs, in milliseconds. */
  warmupMs: number;
  /**
   * A measurement is cut into slices of about this many milliseconds, taken in turn from every
   * subject, so that load from elsewhere on the machine falls on all subjects alike.
   */
  sliceMs: number;
  /** Leave out subjects marked `fullRunsOnly` (the quick preset does). */
  skipSlowSubjects?: boolean | undefined;
  /** Told what is happening, for a progress display. */
  onProgress?: ((message: string) => void) | undefined;
}

/** The figures of one subject on one workload. */
export interface WorkloadResult {
  /** Operations per second in each round, in round order. */
  opsPerSec: number[];
  /** Why the workload did not run, or failed. */
  error?: string | undefined;
}

/** The figures of one subject. */
export interface SubjectResult {
  /** The subject's name. */
  name: string;
  /** The subject's role. */
  role: Role;
  /** What the subject is. */
  description: string;
  /** The subject it is also compared to, when any. */
  relativeTo?: string | undefined;
  /** The npm packages it uses. */
  packages: readonly string[];
  /** Figures per workload. */
  workloads: Partial<Record<WorkloadId, WorkloadResult>>;
  /** Workloads it cannot run, with the reason. */
  unsupported: Partial<Record<WorkloadId, string>>;
  /** Why it could not be opened, when it could not. */
  error?: string | undefined;
  /** What single calls cost on the wire, when the suite counts it. */
  costs?: CallCost[] | undefined;
}

/** The figures of one suite. */
export interface SuiteResult {
  /** The suite's id. */
  id: string;
  /** The suite's title. */
  title: string;
  /** The baseline's name. */
  baseline: string;
  /** Why the suite did not run, when it did not. */
  skipped?: string | undefined;
  /** Facts about the backend (server version ...). */
  environment: Record<string, string>;
  /** One entry per subject, in the suite's order. */
  subjects: SubjectResult[];
  /** The heap in use (after a collection) when the rounds began, in MB. */
  heapUsedMb?: number | undefined;
}

/** A suite's hook that counts what calls cost on the wire. */
export type CostProbe = (subjectName: string, client: Client) => Promise<CallCost[]>;

interface Running {
  result: SubjectResult;
  client: Client | undefined;
  calls: Map<WorkloadId, { call: () => Promise<unknown>; chunk: number }>;
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** Runs `call` repeatedly for about `durationMs`; returns the calls made and the time taken. */
export async function measure(
  call: () => Promise<unknown>,
  durationMs: number,
  chunk = 1,
): Promise<{ calls: number; elapsedMs: number }> {
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  let calls = 0;
  while (now < end) {
    for (let index = 0; index < chunk; index++) await call();
    calls += chunk;
    now = performance.now();
  }
  return { calls, elapsedMs: now - start };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0] ?? text;
}

/** A suite whose subjects are open and whose workloads are prepared, ready to be measured. */
export interface OpenSuite {
  /** The suite. */
  readonly suite: Suite;
  /** Its id, title, baseline and environment. */
  readonly base: Omit<SuiteResult, "subjects" | "skipped">;
  /** Why it did not run, when it did not. */
  readonly skipped?: string | undefined;
  /** Each subject's result so far, client and prepared calls. */
  readonly running: readonly Running[];
  /** The heap in use (after a collection) when the rounds began, in MB; set by `measureSuite`. */
  heapUsedMb?: number | undefined;
}

/** The workloads a suite runs: its own list when it has one, else the bench's. */
export function workloadsOf(suite: Suite, workloads: readonly Workload[]): readonly Workload[] {
  return suite.workloads ?? workloads;
}

/**
 * Opens every subject of a suite and prepares every workload it runs (each subject writes what it
 * will read), so that whatever the suite holds is in the heap before anything is measured.
 */
export async function openSuite(
  suite: Suite,
  bench: readonly Workload[],
  options: RunOptions,
): Promise<OpenSuite> {
  const workloads = workloadsOf(suite, bench);
  const progress = options.onProgress ?? (() => {});
  const reason = await suite.unavailable?.();
  const environment =
    reason === undefined ? ((await suite.environment?.().catch(() => ({}))) ?? {}) : {};
  const base = { id: suite.id, title: suite.title, baseline: suite.baseline, environment };
  const running: Running[] = suite.subjects.map((subject) => ({
    result: {
      name: subject.name,
      role: subject.role,
      description: subject.description,
      relativeTo: subject.relativeTo,
      packages: subject.packages,
      workloads: {},
      unsupported: subject.unsupported ?? {},
    },
    client: undefined,
    calls: new Map(),
  }));
  if (reason !== undefined) {
    progress(`${suite.id}: skipped (${reason})`);
    for (const { result } of running) result.error = "skipped with its suite";
    return { suite, base, skipped: reason, running };
  }
  for (const [index, subject] of suite.subjects.entries()) {
    const entry = running[index];
    if (entry === undefined) continue;
    const { result } = entry;
    if (subject.fullRunsOnly === true && options.skipSlowSubjects === true) {
      result.error = "measured in full runs only";
      continue;
    }
    try {
      entry.client = await subject.open();
    } catch (error) {
      result.error = describe(error);
      progress(`${suite.id}: ${subject.name} could not be opened: ${result.error}`);
      continue;
    }
    for (const workload of workloads) {
      if (workload.requiresAtomic === true && entry.client.atomic === undefined) {
        result.unsupported[workload.id] ??= "no atomic operations";
      }
      if (result.unsupported[workload.id] !== undefined) continue;
      try {
        entry.calls.set(workload.id, { call: await workload.prepare(entry.client), chunk: 1 });
        result.workloads[workload.id] = { opsPerSec: [] };
      } catch (error) {
        result.workloads[workload.id] = { opsPerSec: [], error: describe(error) };
        progress(
          `${suite.id}: ${subject.name} failed to prepare ${workload.id}: ${describe(error)}`,
        );
      }
    }
  }
  return { suite, base, running };
}

/**
 * Warms up, then measures every (workload, subject) pair of an open suite once per round (the
 * suite's own workloads when it has them, else `bench`). Within a round the subjects of a
 * workload take turns slice by slice (starting with a different subject each round), so each
 * round's figures are taken under the same machine load and their ratios are comparable.
 */
export async function measureSuite(
  open: OpenSuite,
  bench: readonly Workload[],
  options: RunOptions,
): Promise<void> {
  if (open.skipped !== undefined) return;
  const workloads = workloadsOf(open.suite, bench);
  const progress = options.onProgress ?? (() => {});
  const { id } = open.suite;
  const active = (workload: Workload) => open.running.filter(({ calls }) => calls.has(workload.id));

  progress(`${id}: warming up`);
  for (const workload of workloads) {
    for (const entry of active(workload)) {
      const prepared = entry.calls.get(workload.id);
      if (prepared === undefined) continue;
      try {
        const { calls, elapsedMs } = await measure(prepared.call, options.warmupMs);
        prepared.chunk = Math.max(1, Math.min(1000, Math.floor(calls / elapsedMs / 2)));
      } catch (error) {
        fail(entry, workload.id, error);
      }
    }
  }

  collectGarbage?.();
  open.heapUsedMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  const slices = Math.max(1, Math.round(options.durationMs / options.sliceMs));
  const sliceMs = options.durationMs / slices;
  for (let round = 0; round < options.rounds; round++) {
    progress(`${id}: round ${round + 1}/${options.rounds}`);
    for (const workload of workloads) {
      const order = rotate(active(workload), round);
      const totals = new Map(order.map((entry) => [entry, { calls: 0, elapsedMs: 0 }]));
      collectGarbage?.();
      for (let slice = 0; slice < slices; slice++) {
        for (const entry of order) {
          const prepared = entry.calls.get(workload.id);
          const total = totals.get(entry);
          if (prepared === undefined || total === undefined) continue;
          try {
            const { calls, elapsedMs } = await measure(prepared.call, sliceMs, prepared.chunk);
            total.calls += calls;
            total.elapsedMs += elapsedMs;
          } catch (error) {
            fail(entry, workload.id, error);
          }
        }
      }
      for (const [entry, { calls, elapsedMs }] of totals) {
        const figures = entry.result.workloads[workload.id];
        if (figures === undefined || !entry.calls.has(workload.id) || elapsedMs === 0) continue;
        figures.opsPerSec[round] = (calls / elapsedMs) * 1000 * workload.opsPerCall;
      }
    }
  }
}

/** Counts call costs (when a probe is given), closes every subject and cleans the backend up. */
export async function closeSuite(
  open: OpenSuite,
  options: Pick<RunOptions, "onProgress">,
  costs?: CostProbe,
): Promise<SuiteResult> {
  const progress = options.onProgress ?? (() => {});
  const { id } = open.suite;
  const subjects = open.running.map(({ result }) => result);
  if (open.skipped !== undefined) return { ...open.base, skipped: open.skipped, subjects };
  const heap = open.heapUsedMb === undefined ? {} : { heapUsedMb: open.heapUsedMb };
  for (const entry of open.running) {
    if (costs !== undefined && entry.client !== undefined) {
      try {
        entry.result.costs = await costs(entry.result.name, entry.client);
      } catch (error) {
        progress(`${id}: counting calls of ${entry.result.name} failed: ${describe(error)}`);
      }
    }
    await entry.client?.close().catch((error: unknown) => {
      progress(`${id}: closing ${entry.result.name} failed: ${describe(error)}`);
    });
  }
  await open.suite.cleanup?.().catch((error: unknown) => {
    progress(`${id}: cleanup failed: ${describe(error)}`);
  });
  return { ...open.base, ...heap, subjects };
}

/**
 * Runs one suite on its own: opens every subject and prepares every workload (the suite's own
 * when it has them, else `workloads`), measures them (see `measureSuite`), then counts call
 * costs, closes and cleans up.
 */
export async function runSuite(
  suite: Suite,
  workloads: readonly Workload[],
  options: RunOptions,
  costs?: CostProbe,
): Promise<SuiteResult> {
  const open = await openSuite(suite, workloads, options);
  await measureSuite(open, workloads, options);
  return closeSuite(open, options, costs);
}

function fail(entry: Running, workload: WorkloadId, error: unknown): void {
  entry.calls.delete(workload);
  const figures = entry.result.workloads[workload];
  if (figures !== undefined) figures.error = describe(error);
}

/** The per-round ratios of a subject to another subject of the same suite on one workload. */
export function ratiosTo(
  suite: SuiteResult,
  subject: SubjectResult,
  workload: WorkloadId,
  otherName: string,
): number[] {
  const other = suite.subjects.find((candidate) => candidate.name === otherName);
  const mine = subject.workloads[workload];
  const theirs = other?.workloads[workload];
  if (mine === undefined || theirs === undefined || mine.error || theirs.error) return [];
  return pairedRatios(mine.opsPerSec, theirs.opsPerSec);
}

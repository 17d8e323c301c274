// The part of vitest's API the shared test files use (describe, it, hooks, expect, .each), for
// runtimes vitest cannot run in. Bundled in place of "vitest"; `runRegisteredTests` runs what
// the imported test files registered, one test at a time, and returns vitest-shaped results.
import { expect } from "./expect.ts";

type Body = () => unknown;
type Hook = () => unknown;

interface Suite {
  name: string;
  parent: Suite | undefined;
  children: (Suite | Test)[];
  beforeEach: Hook[];
  afterEach: Hook[];
  beforeAll: Hook[];
  afterAll: Hook[];
}

interface Test {
  name: string;
  parent: Suite;
  body: Body;
  timeout: number;
}

/** One test's outcome, as vitest's JSON reporter writes it. */
export interface AssertionResult {
  ancestorTitles: string[];
  fullName: string;
  title: string;
  status: "passed" | "failed";
  duration: number;
  failureMessages: string[];
}

const root: Suite = newSuite("", undefined);
let current: Suite = root;
const defaultTimeout = 30_000;

function newSuite(name: string, parent: Suite | undefined): Suite {
  return { name, parent, children: [], beforeEach: [], afterEach: [], beforeAll: [], afterAll: [] };
}

function format(name: string, row: unknown): string {
  const values = Array.isArray(row) ? row : [row];
  let index = 0;
  return name.replace(/%[sdioj]/g, () => String(values[index++]));
}

/** The `.each` of `describe` and `it`: one registration per row, `%s` in the name filled in. */
type Each = (
  table: readonly unknown[],
) => (name: string, body: (...args: never[]) => unknown, timeout?: number) => void;

function each(register: (name: string, body: Body, timeout?: number) => void): Each {
  return (table) => (name, body, timeout) => {
    for (const row of table) {
      const args = (Array.isArray(row) ? row : [row]) as never[];
      register(format(name, row), () => body(...args), timeout);
    }
  };
}

function registerSuite(name: string, body: () => void): void {
  const suite = newSuite(name, current);
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    body();
  } finally {
    current = parent;
  }
}

function registerTest(name: string, body: Body, timeout?: number): void {
  current.children.push({ name, parent: current, body, timeout: timeout ?? defaultTimeout });
}

/** Registers a group of tests. */
export const describe: typeof registerSuite & { each: Each } = Object.assign(registerSuite, {
  each: each((name, body) => registerSuite(name, body as () => void)),
});

/** Registers one test. */
export const it: typeof registerTest & { each: Each } = Object.assign(registerTest, {
  each: each(registerTest),
});
/** Registers one test. */
export const test: typeof it = it;

/** Runs before each test of the current group and its subgroups. */
export function beforeEach(hook: Hook): void {
  current.beforeEach.push(hook);
}
/** Runs after each test of the current group and its subgroups. */
export function afterEach(hook: Hook): void {
  current.afterEach.push(hook);
}
/** Runs once before the current group's tests. */
export function beforeAll(hook: Hook): void {
  current.beforeAll.push(hook);
}
/** Runs once after the current group's tests. */
export function afterAll(hook: Hook): void {
  current.afterAll.push(hook);
}

export { expect };

function ancestors(suite: Suite): Suite[] {
  const chain: Suite[] = [];
  for (let at: Suite | undefined = suite; at !== undefined && at !== root; at = at.parent) {
    chain.unshift(at);
  }
  return chain;
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Test timed out in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}\n${error.stack ?? ""}`
    : String(error);
}

async function runTest(test: Test): Promise<AssertionResult> {
  const chain = ancestors(test.parent);
  const titles = chain.map((suite) => suite.name);
  const started = Date.now();
  const failures: string[] = [];
  try {
    for (const suite of chain) for (const hook of suite.beforeEach) await hook();
    await withTimeout(Promise.resolve().then(test.body), test.timeout);
  } catch (error) {
    failures.push(describeError(error));
  }
  for (const suite of [...chain].reverse()) {
    for (const hook of suite.afterEach) {
      try {
        await hook();
      } catch (error) {
        failures.push(describeError(error));
      }
    }
  }
  return {
    ancestorTitles: titles,
    fullName: [...titles, test.name].join(" "),
    title: test.name,
    status: failures.length === 0 ? "passed" : "failed",
    duration: Date.now() - started,
    failureMessages: failures,
  };
}

async function runSuite(suite: Suite, results: AssertionResult[]): Promise<void> {
  for (const hook of suite.beforeAll) await hook();
  for (const child of suite.children) {
    if ("body" in child) results.push(await runTest(child));
    else await runSuite(child, results);
  }
  for (const hook of suite.afterAll) await hook();
}

/** Runs every registered test in order; a failing test never stops the others. */
export async function runRegisteredTests(): Promise<AssertionResult[]> {
  const results: AssertionResult[] = [];
  await runSuite(root, results);
  return results;
}

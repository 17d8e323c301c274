// The part of vitest's API the suites use (describe, it, each, hooks, expect), so that vitest test
// files run unchanged on runtimes vitest does not run on. Tests run one at a time, in the order
// they were registered; `run()` reports them in vitest's JSON shape.
import { expect as jestExpect } from "expect";

type Hook = () => unknown;
type TestBody = () => unknown;

interface Test {
  readonly names: readonly string[];
  readonly body: TestBody;
  readonly timeoutMs: number;
  readonly suite: Suite;
}

interface Suite {
  readonly parent: Suite | undefined;
  readonly names: readonly string[];
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
}

/** One test's outcome, as vitest's JSON reporter writes it. */
export interface AssertionResult {
  readonly fullName: string;
  readonly status: "passed" | "failed";
  readonly failureMessages: string[];
  readonly duration: number;
}

const defaultTimeoutMs = 30_000;
const root: Suite = { parent: undefined, names: [], beforeEach: [], afterEach: [] };
let current: Suite = root;
const tests: Test[] = [];

/** The name of a parameterised case: `%s`, `%d`, `%i`, `%j`, `%o` take the row's values in turn. */
function caseName(template: string, row: readonly unknown[]): string {
  let index = 0;
  return template.replace(/%[sdijo%]/g, (token) => {
    if (token === "%%") return "%";
    const value = row[index++];
    return token === "%j" || token === "%o" ? JSON.stringify(value) : String(value);
  });
}

function rowOf(row: unknown): unknown[] {
  return Array.isArray(row) ? row : [row];
}

function registerSuite(name: string, body: () => void): void {
  const suite: Suite = {
    parent: current,
    names: [...current.names, name],
    beforeEach: [],
    afterEach: [],
  };
  const outer = current;
  current = suite;
  try {
    body();
  } finally {
    current = outer;
  }
}

function registerTest(name: string, body: TestBody, timeoutMs?: number): void {
  tests.push({
    names: [...current.names, name],
    body,
    timeoutMs: timeoutMs ?? defaultTimeoutMs,
    suite: current,
  });
}

/** The arguments a parameterised body takes for one row of its table. */
export type RowArguments<Row> = Row extends readonly unknown[] ? Row : [Row];

/** `describe.each` / `it.each`: one group or test per row, named by `template` (`%s` ...). */
export type Each<Result> = <Row>(
  table: readonly Row[],
) => (template: string, body: (...row: RowArguments<Row>) => Result, timeoutMs?: number) => void;

/** Registers a group of tests. */
export const describe: ((name: string, body: () => void) => void) & { each: Each<void> } =
  Object.assign(registerSuite, {
    each:
      <Row>(table: readonly Row[]) =>
      (template: string, body: (...row: RowArguments<Row>) => void): void => {
        for (const row of table) {
          const values = rowOf(row);
          registerSuite(caseName(template, values), () => body(...(values as RowArguments<Row>)));
        }
      },
  });

/** Registers a test. */
export const it: ((name: string, body: TestBody, timeoutMs?: number) => void) & {
  each: Each<unknown>;
} = Object.assign(registerTest, {
  each:
    <Row>(table: readonly Row[]) =>
    (template: string, body: (...row: RowArguments<Row>) => unknown, timeoutMs?: number): void => {
      for (const row of table) {
        const values = rowOf(row);
        registerTest(
          caseName(template, values),
          () => body(...(values as RowArguments<Row>)),
          timeoutMs,
        );
      }
    },
});

/** The same as `it`. */
export const test: typeof it = it;

/** Runs before each test of the group it is registered in (outer groups' hooks first). */
export function beforeEach(hook: Hook): void {
  current.beforeEach.push(hook);
}

/** Runs after each test of the group it is registered in (inner groups' hooks first). */
export function afterEach(hook: Hook): void {
  current.afterEach.push(hook);
}

const finalHooks: Hook[] = [];

/** Runs once every registered test has run (this runner keeps one list for the whole run). */
export function afterAll(hook: Hook): void {
  finalHooks.push(hook);
}

/** A matcher object whose failures start with `message`, as vitest's `expect(value, message)`. */
function labelled<T extends object>(target: T, message: string): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const member: unknown = Reflect.get(object, property, receiver);
      if (typeof member === "function") {
        return (...args: unknown[]) => {
          const relabel = (error: unknown): never => {
            if (error instanceof Error) error.message = `${message}: ${error.message}`;
            throw error;
          };
          try {
            const result: unknown = member.apply(object, args);
            return result instanceof Promise ? result.catch(relabel) : result;
          } catch (error) {
            return relabel(error);
          }
        };
      }
      return typeof member === "object" && member !== null ? labelled(member, message) : member;
    },
  });
}

jestExpect.extend({
  toSatisfy(received: unknown, predicate: (value: unknown) => boolean) {
    const pass = predicate(received);
    return {
      pass,
      message: () =>
        `expected ${this.utils.printReceived(received)} ${pass ? "not " : ""}to satisfy the predicate`,
    };
  },
});

/** vitest's `expect` on Jest's standalone one: the optional second argument labels failures. */
export const expect: typeof jestExpect &
  ((actual: unknown, message?: string) => ReturnType<typeof jestExpect>) = Object.assign(
  (actual: unknown, message?: string) => {
    const matchers = jestExpect(actual);
    return message === undefined ? matchers : labelled(matchers, message);
  },
  jestExpect,
);

function hooksOf(suite: Suite, kind: "beforeEach" | "afterEach"): Hook[] {
  const chain: Suite[] = [];
  for (let at: Suite | undefined = suite; at !== undefined; at = at.parent) chain.unshift(at);
  const hooks = chain.flatMap((each) => each[kind]);
  return kind === "afterEach" ? hooks.reverse() : hooks;
}

function withTimeout(body: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([body(), expired]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Runs every registered test in order, printing a line for each failure. */
export async function run(): Promise<AssertionResult[]> {
  const results: AssertionResult[] = [];
  for (const each of tests.splice(0)) {
    const fullName = each.names.join(" > ");
    const started = performance.now();
    const failures: string[] = [];
    try {
      await withTimeout(async () => {
        for (const hook of hooksOf(each.suite, "beforeEach")) await hook();
        try {
          await each.body();
        } finally {
          for (const hook of hooksOf(each.suite, "afterEach")) {
            try {
              await hook();
            } catch (error) {
              failures.push(describeError(error));
            }
          }
        }
      }, each.timeoutMs);
    } catch (error) {
      failures.unshift(describeError(error));
    }
    const status = failures.length === 0 ? "passed" : "failed";
    if (status === "failed") console.log(`  ✗ ${fullName}\n    ${failures.join("\n    ")}`);
    results.push({
      fullName,
      status,
      failureMessages: failures,
      duration: performance.now() - started,
    });
  }
  for (const hook of finalHooks.splice(0)) {
    try {
      await hook();
    } catch (error) {
      console.log(`  ✗ afterAll hook\n    ${describeError(error)}`);
    }
  }
  return results;
}

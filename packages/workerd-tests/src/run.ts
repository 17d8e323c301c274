// Runs vitest-written test files inside workerd: bundles them (with src/harness.ts in place of
// vitest) into one worker, starts it with Miniflare, fetches the results and writes them where
// vitest's JSON reporter would (.test-results/results.json), printing the counts.
//   tsx src/run.ts [--swap from=to ...] <test files ...>
import { mkdirSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleTests } from "./bundle.ts";
import type { AssertionResult } from "./harness.ts";

const swaps = new Map<string, string>();
const files: string[] = [];
const args = process.argv.slice(2);
for (let index = 0; index < args.length; index++) {
  const arg = args[index] ?? "";
  if (arg === "--swap") {
    const [from = "", to = ""] = (args[++index] ?? "").split("=");
    swaps.set(resolve(from), resolve(to));
  } else files.push(resolve(arg));
}

const started = Date.now();
const modules = await bundleTests(files, swaps);
const miniflare = new Miniflare({
  modules: modules.map((module) => ({ type: "ESModule" as const, ...module })),
  compatibilityDate: "2026-04-01",
  kvNamespaces: ["KV"],
});
let results: AssertionResult[];
try {
  const response = await miniflare.dispatchFetch("http://tests.local/run");
  if (!response.ok)
    throw new Error(`The worker answered ${response.status}: ${await response.text()}`);
  results = (await response.json()) as AssertionResult[];
} finally {
  await miniflare.dispose();
}

const groups = new Map<string, AssertionResult[]>();
for (const result of results) {
  const group = `workerd: ${result.ancestorTitles[0] ?? "(top level)"}`;
  groups.set(group, [...(groups.get(group) ?? []), result]);
}
const testResults = [...groups].map(([name, assertionResults]) => ({
  name,
  status: assertionResults.every((result) => result.status === "passed") ? "passed" : "failed",
  message: "",
  assertionResults,
}));
const passed = results.filter((result) => result.status === "passed").length;
const failed = results.length - passed;
mkdirSync(".test-results", { recursive: true });
writeFileSync(
  ".test-results/results.json",
  JSON.stringify({
    numTotalTests: results.length,
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: 0,
    success: failed === 0 && passed > 0,
    startTime: started,
    testResults,
  }),
);
for (const result of results.filter((each) => each.status === "failed").slice(0, 20)) {
  console.log(`FAIL ${result.fullName}\n  ${result.failureMessages.join("\n  ").slice(0, 2000)}`);
}
const here = relative(process.cwd(), fileURLToPath(import.meta.url));
console.log(
  `workerd (${here}): ${passed} passed, ${failed} failed, 0 skipped in ${Date.now() - started} ms`,
);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

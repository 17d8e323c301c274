// Adds up the vitest JSON reports of every package and prints "N passed, N failed, N skipped".
// Fails when any test failed or was skipped (no suite here may skip), or when no test ran.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface AssertionResult {
  status: string;
  fullName: string;
}
interface Report {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: AssertionResult[];
  }[];
}

let passed = 0;
let failed = 0;
let skipped = 0;
const problems: string[] = [];
for (const folder of ["packages", "examples"]) {
  for (const name of readdirSync(folder)) {
    const file = join(folder, name, ".test-results", "results.json");
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8")) as Report;
    for (const suite of report.testResults) {
      if (suite.status === "failed" && suite.assertionResults.length === 0) {
        failed += 1;
        problems.push(`${suite.name}: ${suite.message ?? "failed to run"}`);
      }
      for (const test of suite.assertionResults) {
        if (test.status === "passed") passed += 1;
        else if (test.status === "failed") {
          failed += 1;
          problems.push(`${name}: ${test.fullName}`);
        } else {
          skipped += 1;
          problems.push(`${name}: skipped: ${test.fullName}`);
        }
      }
    }
  }
}
for (const problem of problems.slice(0, 50)) console.log(`  ${problem}`);
const summary = `${passed} passed, ${failed} failed, ${skipped} skipped`;
writeFileSync(".test-summary", `${summary}\n`);
console.log(summary);
process.exit(failed > 0 || skipped > 0 || passed === 0 ? 1 : 0);

// Runs src/bun.ts on Bun and src/deno.ts on Deno (the suites of src/suites.ts and each runtime's
// native store), prints each runtime's
// "N passed, N failed, N skipped" and writes them together as .test-results/results.json in
// vitest's JSON shape, where scripts/summarize-tests.ts counts them. Fails when a test failed.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
/** The runtime's executable, as the root devDependencies `bun` and `deno` install it. */
const binary = (name) => join(here, "../../node_modules/.bin", name);

const runtimes = [
  { name: "bun", entry: "bun", command: [binary("bun"), "run", "dist/bun.mjs"] },
  {
    name: "deno",
    entry: "deno",
    command: [binary("deno"), "run", "-A", "--unstable-kv", "dist/deno.mjs"],
  },
];

function runOn({ name, command }) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: here,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code) => {
      const marker = "@kv/runtime-tests report ";
      const line = output.split("\n").find((each) => each.startsWith(marker));
      for (const each of output.split("\n"))
        if (!each.startsWith(marker) && each !== "") console.log(each);
      const results = line === undefined ? undefined : JSON.parse(line.slice(marker.length));
      resolve({ name, code, results });
    });
  });
}

for (const { entry } of runtimes) await bundle(`./src/${entry}.ts`, `./dist/${entry}.mjs`);
const testResults = [];
let failed = false;
for (const runtime of runtimes) {
  const { name, code, results } = await runOn(runtime);
  if (results === undefined) {
    failed = true;
    console.log(`${name}: the suites did not run to the end (exit code ${code})`);
    testResults.push({
      name: `${name}: src/${runtime.entry}.ts`,
      status: "failed",
      message: `exit code ${code}`,
      assertionResults: [],
    });
    continue;
  }
  const assertionResults = results.map((result) => ({
    ...result,
    fullName: `${name}: ${result.fullName}`,
  }));
  const passedCount = results.filter((result) => result.status === "passed").length;
  const failedCount = results.length - passedCount;
  if (failedCount > 0 || code !== 0) failed = true;
  testResults.push({
    name: `${name}: src/${runtime.entry}.ts`,
    status: failedCount > 0 ? "failed" : "passed",
    assertionResults,
  });
  console.log(`${name}: ${passedCount} passed, ${failedCount} failed, 0 skipped`);
}
mkdirSync(join(here, ".test-results"), { recursive: true });
writeFileSync(join(here, ".test-results/results.json"), JSON.stringify({ testResults }));
process.exit(failed ? 1 : 0);

// Checks that every published package has the same shape: the files every package carries,
// the exports map, ESM-only metadata, that nothing depends on a store at run time, and (after a
// build) that `pnpm pack` ships the built code, its types and the README. It first proves itself
// on a deliberately broken package (scripts/fixtures/broken-exports), which must be rejected.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

interface Manifest {
  name?: string;
  private?: boolean;
  type?: string;
  description?: string;
  license?: string;
  sideEffects?: boolean;
  main?: string;
  module?: string;
  files?: string[];
  engines?: { node?: string };
  repository?: { directory?: string };
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const problems: string[] = [];
const packages = readdirSync("packages").filter((dir) =>
  existsSync(join("packages", dir, "package.json")),
);
const manifests = new Map(
  packages.map((dir) => [
    dir,
    JSON.parse(readFileSync(join("packages", dir, "package.json"), "utf8")) as Manifest,
  ]),
);
const sourceOf = (path: string) =>
  (existsSync(join(path, "src")) ? readdirSync(join(path, "src"), { recursive: true }) : [])
    .map((file) => join(path, "src", String(file)))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(file, "utf8"))
    .join("\n");
// A store extends BaseStore, or a base made by storeWith(); a wrapper extends BaseWrapper. The
// protocol defines them, the conformance kit's test helpers use them and @kv/sqlite-core is the
// abstract base of the SQLite stores: none is one.
const kits = /\/(protocol|conformance|sqlite-core)$/;
const isStore = (path: string) =>
  !kits.test(path) && /extends BaseStore\b|\bstoreWith\(/.test(sourceOf(path));
const isWrapper = (path: string) =>
  !kits.test(path) && /extends BaseWrapper\b/.test(sourceOf(path));
const stores = new Set(
  packages.filter((dir) => isStore(join("packages", dir))).map((dir) => `@kv/${dir}`),
);

function checkManifest(path: string, manifest: Manifest, fail: (message: string) => void): void {
  const dir = basename(path);
  if (manifest.name !== `@kv/${dir}`) fail(`name must be @kv/${dir}`);
  if (manifest.type !== "module") fail(`"type" must be "module"`);
  if (manifest.sideEffects !== false) fail(`"sideEffects" must be false`);
  if (!manifest.description) fail("description is missing");
  if (manifest.license !== "MIT") fail(`license must be MIT`);
  if (manifest.main || manifest.module) fail(`no "main"/"module": "exports" is authoritative`);
  if (manifest.engines?.node !== ">=20.19") fail(`engines.node must be ">=20.19"`);
  if (manifest.repository?.directory !== `packages/${dir}`) fail("repository.directory is wrong");
  if (JSON.stringify(manifest.files) !== JSON.stringify(["dist", "src"]))
    fail(`files must be ["dist", "src"]`);
  const root = manifest.exports?.["."] as Record<string, string> | undefined;
  const conditions = root ? Object.keys(root) : [];
  if (JSON.stringify(conditions) !== JSON.stringify(["@kv/source", "types", "default"])) {
    fail(`exports["."] must list "@kv/source", "types", "default" in that order`);
  } else if (
    root?.["@kv/source"] !== "./src/index.ts" ||
    root.types !== "./dist/index.d.mts" ||
    root.default !== "./dist/index.mjs"
  ) {
    fail(`exports["."] must point at ./src/index.ts, ./dist/index.d.mts and ./dist/index.mjs`);
  }
  if (manifest.exports?.["./package.json"] !== "./package.json")
    fail(`exports must include "./package.json"`);
  for (const file of [
    "README.md",
    "src/index.ts",
    "tsconfig.json",
    "tsdown.config.ts",
    "vitest.config.ts",
  ]) {
    if (!existsSync(join(path, file)) && !(file === "vitest.config.ts" && runsOutsideVitest(path)))
      fail(`${file} is missing`);
  }
  const tests = existsSync(join(path, "test"))
    ? readdirSync(join(path, "test")).filter((file) => file.endsWith(".test.ts"))
    : [];
  if (tests.length === 0) fail("has no test/*.test.ts");
  if ((isStore(path) || isWrapper(path)) && !tests.includes("conformance.test.ts")) {
    fail("is a store or wrapper but has no test/conformance.test.ts");
  }
  for (const field of ["dependencies", "peerDependencies"] as const) {
    for (const dependency of Object.keys(manifest[field] ?? {})) {
      if (stores.has(dependency))
        fail(`depends on the store ${dependency} in ${field}; stores may only be devDependencies`);
    }
  }
}

/** A package whose tests run in another runtime (workerd) through @kv/workerd-tests, not vitest. */
function runsOutsideVitest(path: string): boolean {
  const manifest = JSON.parse(readFileSync(join(path, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  return manifest.scripts?.test?.includes("workerd-tests/src/run.ts") === true;
}

/** Lists what `pnpm pack` would put in the tarball of a package. */
function packedFiles(path: string): string[] {
  const output = execFileSync("pnpm", ["pack", "--dry-run", "--json"], {
    cwd: path,
    encoding: "utf8",
  });
  const { files } = JSON.parse(output) as { files: { path: string }[] };
  return files.map((file) => file.path);
}

function checkPacked(path: string, fail: (message: string) => void): void {
  const files = packedFiles(path);
  for (const required of ["package.json", "README.md", "dist/index.mjs", "dist/index.d.mts"]) {
    if (!files.includes(required)) fail(`pnpm pack leaves out ${required}`);
  }
}

function checkPublint(path: string, fail: (message: string) => void): void {
  try {
    execFileSync("pnpm", ["exec", "publint", "--strict", path], { stdio: "pipe" });
  } catch (error) {
    fail(`publint rejects it:\n${String((error as { stdout?: Buffer }).stdout)}`);
  }
}

const fixture = join("scripts", "fixtures", "broken-exports");
const fixtureProblems: string[] = [];
const collectFixture = (message: string) => fixtureProblems.push(message);
checkManifest(
  fixture,
  JSON.parse(readFileSync(join(fixture, "package.json"), "utf8")),
  collectFixture,
);
checkPublint(fixture, collectFixture);
if (
  !fixtureProblems.some((problem) => problem.startsWith("exports")) ||
  !fixtureProblems.some((problem) => problem.startsWith("publint"))
) {
  problems.push(`the checks failed to reject ${fixture}: ${JSON.stringify(fixtureProblems)}`);
}

const afterBuild = process.argv.includes("--packed");
for (const [dir, manifest] of manifests) {
  if (manifest.private) continue;
  const fail = (message: string) => problems.push(`packages/${dir}: ${message}`);
  checkManifest(join("packages", dir), manifest, fail);
  if (afterBuild) checkPacked(join("packages", dir), fail);
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(
  `check-packages: the broken fixture is rejected (${fixtureProblems.length} problems); ` +
    `${[...manifests.values()].filter((manifest) => !manifest.private).length} packages have the standard shape` +
    (afterBuild ? " and pack their built code" : ""),
);

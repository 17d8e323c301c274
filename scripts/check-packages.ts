// Checks that every published package has the same shape: the files every package carries,
// the exports map, ESM-only metadata, and that nothing depends on a store at run time.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

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
const sourceOf = (dir: string) =>
  readdirSync(join("packages", dir, "src"), { recursive: true })
    .map((file) => join("packages", dir, "src", String(file)))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(file, "utf8"))
    .join("\n");
const isStore = (dir: string) => /extends BaseStore\b/.test(sourceOf(dir));
const isWrapper = (dir: string) => /extends BaseWrapper\b/.test(sourceOf(dir));
const stores = new Set(packages.filter(isStore).map((dir) => `@kv/${dir}`));

for (const [dir, manifest] of manifests) {
  const fail = (message: string) => problems.push(`packages/${dir}: ${message}`);
  if (manifest.private) continue;
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
    if (!existsSync(join("packages", dir, file))) fail(`${file} is missing`);
  }
  const tests = existsSync(join("packages", dir, "test"))
    ? readdirSync(join("packages", dir, "test")).filter((file) => file.endsWith(".test.ts"))
    : [];
  if (tests.length === 0) fail("has no test/*.test.ts");
  if ((isStore(dir) || isWrapper(dir)) && !tests.includes("conformance.test.ts")) {
    fail("is a store or wrapper but has no test/conformance.test.ts");
  }
  for (const field of ["dependencies", "peerDependencies"] as const) {
    for (const dependency of Object.keys(manifest[field] ?? {})) {
      if (stores.has(dependency))
        fail(`depends on the store ${dependency} in ${field}; stores may only be devDependencies`);
    }
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(`check-packages: ${manifests.size} packages have the standard shape`);

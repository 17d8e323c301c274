import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isNodeBuiltin, isTestHelper, nodeBuiltinStub } from "@kv/browser-tests";
import { build, type Plugin } from "esbuild";
import ts from "typescript";

const harness = fileURLToPath(new URL("harness.ts", import.meta.url));
/** Third-party code in the bundle: the test tooling (jest's `expect` and what it imports). */
const thirdParty = /[\\/]node_modules[\\/]/;
/** Third-party packages the code under test depends on: never stubbed. */
const underTest = /[\\/]node_modules[\\/]\.pnpm[\\/]zod@/;

/** One module of the bundled worker; the first is its entry. */
export interface WorkerModule {
  path: string;
  contents: string;
}

/**
 * Bundles test files and the harness into a worker whose `fetch` registers the tests of each file (their top-level
 * statements, wrapped in a function: the suite draws random names, which workerd allows only
 * inside a handler), runs them and
 * answers their results as JSON. Node built-ins imported by the shared test helpers or the test
 * tooling are stubbed; one imported by a package under test fails the bundle. `swaps` replaces
 * whole files (a test's list of Node-only stores by a portable one).
 */
export async function bundleTests(
  files: readonly string[],
  swaps: ReadonlyMap<string, string>,
): Promise<WorkerModule[]> {
  const entry = [
    `import { runRegisteredTests } from ${JSON.stringify(harness)};`,
    ...files.map((file, index) => `import register${index} from ${JSON.stringify(file)};`),
    "export default {",
    "  async fetch() {",
    ...files.map((_, index) => `    await register${index}();`),
    "    return Response.json(await runRegisteredTests());",
    "  },",
    "};",
  ].join("\n");
  const result = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: "ts" },
    bundle: true,
    write: false,
    outdir: "worker",
    entryNames: "tests",
    format: "esm",
    platform: "browser",
    target: "es2023",
    conditions: ["@kv/source", "workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    alias: { vitest: harness },
    logLevel: "error",
    ignoreAnnotations: true,
    plugins: [portability(swaps), registeredInHandler(files)],
  });
  const modules = result.outputFiles.map((file) => ({
    path: basename(file.path),
    contents: file.text,
  }));
  modules.sort((a, b) => Number(b.path === "tests.js") - Number(a.path === "tests.js"));
  if (modules[0]?.path !== "tests.js") throw new Error("esbuild produced no worker");
  return modules;
}

function isTestTooling(path: string): boolean {
  return thirdParty.test(path) && !underTest.test(path);
}

function portability(swaps: ReadonlyMap<string, string>): Plugin {
  return {
    name: "kv-workerd-portability",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (
          isNodeBuiltin(args.path) &&
          (isTestHelper(args.importer) || isTestTooling(args.importer))
        ) {
          return { path: args.path.replace(/^node:/, ""), namespace: "node-stub" };
        }
        if (args.path.startsWith(".") && args.importer !== "") {
          const swapped = swaps.get(resolve(dirname(args.importer), args.path));
          if (swapped !== undefined) return { path: swapped };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: "node-stub" }, async (args) => ({
        contents: await nodeBuiltinStub(args.path),
        loader: "js",
      }));
    },
  };
}

/** Wraps each test file's statements (all but its imports) in its default export. */
function registeredInHandler(files: readonly string[]): Plugin {
  const wrapped = new Set(files);
  return {
    name: "kv-workerd-register-in-handler",
    setup(build) {
      build.onLoad({ filter: /\.test\.ts$/ }, async (args) => {
        if (!wrapped.has(args.path)) return undefined;
        const source = await readFile(args.path, "utf8");
        const file = ts.createSourceFile(args.path, source, ts.ScriptTarget.Latest);
        const imports = file.statements.filter(ts.isImportDeclaration);
        const end = imports.at(-1)?.end ?? 0;
        const contents = `${source.slice(0, end)}\nexport default async function register() {\n${source.slice(end)}\n}\n`;
        return { contents, loader: "ts" };
      });
    },
  };
}

// Bundles src/suites.ts into one ESM file for Bun and Deno: sibling packages from their
// TypeScript source, "vitest" replaced by src/vitest.ts, "@kv/conformance" by its entry that
// imports nothing from Node.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Builds the bundle of `entry` into `outfile`. */
export async function bundle(entry, outfile) {
  await build({
    entryPoints: [here(entry)],
    outfile: here(outfile),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2023",
    conditions: ["@kv/source"],
    alias: {
      vitest: here("./src/vitest.ts"),
      "@kv/conformance": here("../conformance/src/key-value.ts"),
    },
    // Jest's `expect` is CommonJS: give it the require, __filename and __dirname of CommonJS.
    banner: {
      js: [
        'import { createRequire as __kvCreateRequire } from "node:module";',
        'import { fileURLToPath as __kvFileURLToPath } from "node:url";',
        "const require = __kvCreateRequire(import.meta.url);",
        "const __filename = __kvFileURLToPath(import.meta.url);",
        'const __dirname = __kvFileURLToPath(new URL(".", import.meta.url));',
      ].join("\n"),
    },
    external: ["bun:*"],
    ignoreAnnotations: true,
    logLevel: "warning",
  });
}

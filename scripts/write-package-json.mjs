// Writes the standard package.json of a package: node scripts/write-package-json.mjs <dir> '<json overrides>'
import { writeFileSync } from "node:fs";

const [dir, overridesText = "{}"] = process.argv.slice(2);
const overrides = JSON.parse(overridesText);
const manifest = {
  name: `@kv/${dir}`,
  version: "0.0.0",
  description: overrides.description,
  license: "MIT",
  type: "module",
  sideEffects: false,
  exports: {
    ".": {
      "@kv/source": "./src/index.ts",
      types: "./dist/index.d.mts",
      default: "./dist/index.mjs",
    },
    "./package.json": "./package.json",
  },
  files: ["dist", "src"],
  engines: { node: ">=20.19" },
  scripts: {
    build: "tsdown",
    typecheck: "tsc --noEmit",
    test: "vitest run",
    "check:package": "publint --strict && attw --pack --profile esm-only",
  },
  dependencies: { "@kv/protocol": "workspace:^", ...overrides.dependencies },
  ...(overrides.peerDependencies ? { peerDependencies: overrides.peerDependencies } : {}),
  devDependencies: { "@kv/conformance": "workspace:^", ...overrides.devDependencies },
  publishConfig: { access: "public", provenance: true },
  repository: {
    type: "git",
    url: "git+https://github.com/kv-store/kv.git",
    directory: `packages/${dir}`,
  },
};
writeFileSync(`packages/${dir}/package.json`, `${JSON.stringify(manifest, null, 2)}\n`);

import { builtinModules } from "node:module";
import type { Plugin } from "vitest/config";

const prefix = "\0kv-node-stub:";
/** `@kv/conformance` and `@kv/blob`, which it imports for its blob store suite (not run here). */
const testHelpers = /[\\/]packages[\\/](conformance|blob)[\\/]/;

/** Node functions the test helpers call that every runtime has a standard equivalent for. */
const standardEquivalents: Readonly<Record<string, string>> = {
  "crypto.randomUUID": "() => globalThis.crypto.randomUUID()",
  "buffer.Blob": "globalThis.Blob",
};

/**
 * A Vite plugin that replaces the Node built-in modules imported by the shared test helpers of
 * `@kv/conformance` with stubs exporting the same names, each throwing when called (the helpers'
 * Node-only parts are never called in a browser, but their imports must resolve). Packages under
 * test get no stubs, so a Node import in one of them still fails the run.
 */
export function stubNodeBuiltins(): Plugin {
  return {
    name: "kv-stub-node-builtins",
    enforce: "pre",
    resolveId(id, importer) {
      if (importer === undefined || !testHelpers.test(importer)) return null;
      const bare = id.startsWith("node:") ? id.slice(5) : id;
      if (!builtinModules.includes(bare)) return null;
      return `${prefix}${bare}`;
    },
    load(id) {
      if (!id.startsWith(prefix)) return null;
      return nodeBuiltinStub(id.slice(prefix.length));
    },
  };
}

/** Whether `id` (`fs`, `node:fs` ...) names a Node built-in module. */
export function isNodeBuiltin(id: string): boolean {
  return builtinModules.includes(id.startsWith("node:") ? id.slice(5) : id);
}

/** Whether a file is one of `@kv/conformance`'s shared test helpers. */
export function isTestHelper(path: string): boolean {
  return testHelpers.test(path);
}

/**
 * The source of a module standing in for the Node built-in `name`: the same export names, each
 * a function that throws when called, except those with a standard equivalent.
 */
export async function nodeBuiltinStub(name: string): Promise<string> {
  const bare = name.startsWith("node:") ? name.slice(5) : name;
  const real = (await import(`node:${bare}`)) as Record<string, unknown>;
  const exported = Object.keys(real).filter(
    (key) => key !== "default" && /^[A-Za-z_$][\w$]*$/.test(key),
  );
  return [
    "function unavailable(name) {",
    `  return function () { throw new Error("node:${bare} " + name + " is not available here"); };`,
    "}",
    ...exported.map((key) => {
      const equivalent = standardEquivalents[`${bare}.${key}`];
      return equivalent === undefined
        ? `export const ${key} = unavailable(${JSON.stringify(key)});`
        : `export const ${key} = ${equivalent};`;
    }),
    "export default {};",
  ].join("\n");
}

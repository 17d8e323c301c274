import { builtinModules } from "node:module";
import type { Plugin } from "vitest/config";

const prefix = "\0kv-node-stub:";
const testHelpers = /[\\/]packages[\\/]conformance[\\/]/;

/** Node functions the test helpers call that every runtime has a standard equivalent for. */
const standardEquivalents: Readonly<Record<string, string>> = {
  "crypto.randomUUID": "() => globalThis.crypto.randomUUID()",
};

/** Extra stand-ins for local runs that stub every package (`everywhere`). */
const localEquivalents: Readonly<Record<string, string>> = {
  ...standardEquivalents,
  "diagnostics_channel.tracingChannel": "() => ({ hasSubscribers: false })",
};

/**
 * A Vite plugin that replaces the Node built-in modules imported by the shared test helpers of
 * `@kv/conformance` with stubs exporting the same names, each throwing when called (the helpers'
 * Node-only parts are never called in a browser, but their imports must resolve). Packages under
 * test get no stubs, so a Node import in one of them still fails the run; `everywhere` (local
 * runs only) stubs them too.
 */
export function stubNodeBuiltins(everywhere = false): Plugin {
  const equivalents = everywhere ? localEquivalents : standardEquivalents;
  return {
    name: "kv-stub-node-builtins",
    enforce: "pre",
    resolveId(id, importer) {
      if (!everywhere && (importer === undefined || !testHelpers.test(importer))) return null;
      const bare = id.startsWith("node:") ? id.slice(5) : id;
      if (!builtinModules.includes(bare)) return null;
      return `${prefix}${bare}`;
    },
    async load(id) {
      if (!id.startsWith(prefix)) return null;
      const name = id.slice(prefix.length);
      const real = (await import(`node:${name}`)) as Record<string, unknown>;
      const exported = Object.keys(real).filter(
        (key) => key !== "default" && /^[A-Za-z_$][\w$]*$/.test(key),
      );
      return [
        "function unavailable(name) {",
        `  return function () { throw new Error("node:${name} " + name + " is not available here"); };`,
        "}",
        ...exported.map((key) => {
          const equivalent = equivalents[`${name}.${key}`];
          return equivalent === undefined
            ? `export const ${key} = unavailable(${JSON.stringify(key)});`
            : `export const ${key} = ${equivalent};`;
        }),
        "export default {};",
      ].join("\n");
    },
  };
}

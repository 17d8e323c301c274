import type * as Fs from "node:fs";
import type * as FsPromises from "node:fs/promises";
import type * as Net from "node:net";
import type * as Os from "node:os";
import type * as Path from "node:path";

interface Builtins {
  "node:fs": typeof Fs;
  "node:fs/promises": typeof FsPromises;
  "node:net": typeof Net;
  "node:os": typeof Os;
  "node:path": typeof Path;
}

/**
 * A Node built-in module, looked up when a helper that needs one is called (never on import), so
 * that the suite loads in runtimes without them.
 * @throws Error when the runtime has no such module (browsers, Workers)
 */
export function nodeBuiltin<Id extends keyof Builtins>(id: Id): Builtins[Id] {
  const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const found = runtime.process?.getBuiltinModule?.(id);
  if (found === undefined) throw new Error(`This helper needs ${id}, which this runtime lacks`);
  return found as Builtins[Id];
}

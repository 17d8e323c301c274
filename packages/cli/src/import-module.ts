import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

function notFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * Imports a store or wrapper package for @kv/config: from `kv`'s own location first (its
 * dependencies, and the packages installed beside a global `kv`, which Node finds by walking up
 * to the global `node_modules`), then from the current directory's project.
 * @throws the first "module not found" error when neither has it
 */
export async function importModule(specifier: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (error) {
    if (!notFound(error)) throw error;
    let resolved: string;
    try {
      resolved = createRequire(join(process.cwd(), "package.json")).resolve(specifier);
    } catch {
      throw error;
    }
    return await import(pathToFileURL(resolved).href);
  }
}

import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { MissingPackageError } from "./errors.ts";

/** Imports a module by name: `import()`, or a loader of the application's own. */
export type ImportModule = (specifier: string) => Promise<unknown>;

function isNotFound(error: unknown, specifier: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : "";
  if (!text.includes(specifier)) return false;
  return (
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /cannot find (package|module)|failed to (load|resolve)/i.test(text)
  );
}

/**
 * Imports `specifier` from this package, else from the application's directory (`process.cwd()`),
 * so a store package the application installed is found even where the package manager keeps
 * each package's dependencies apart.
 */
export const defaultImport: ImportModule = async (specifier) => {
  try {
    return await import(specifier);
  } catch (error) {
    if (!isNotFound(error, specifier)) throw error;
    let resolved: string;
    try {
      resolved = createRequire(join(process.cwd(), "package.json")).resolve(specifier);
    } catch {
      throw error;
    }
    return await import(pathToFileURL(resolved).href);
  }
};

/**
 * Imports `packageName` with `importModule`.
 * @throws MissingPackageError naming the package when it is not installed
 */
export async function loadPackage(
  packageName: string,
  importModule: ImportModule = defaultImport,
): Promise<Record<string, unknown>> {
  try {
    return (await importModule(packageName)) as Record<string, unknown>;
  } catch (error) {
    if (!isNotFound(error, packageName)) throw error;
    throw new MissingPackageError({
      packageName,
      expected: `the package ${packageName} to be installed`,
      found: "it is not installed",
      cause: error,
    });
  }
}

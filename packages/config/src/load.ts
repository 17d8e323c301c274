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
 * Wraps `importHere`, an `import()` written in the caller's own module (so Node resolves from the
 * caller's location), so that a package it cannot find is imported from the application's
 * directory (`process.cwd()`) instead: a store package the application installed is then found
 * even where the package manager keeps each package's dependencies apart. Pass
 * `(specifier) => import(specifier)`.
 * @throws the error of `importHere` when the application's directory has no such package either,
 * and any other error of `importHere` as it is
 */
export function withApplicationFallback(importHere: ImportModule): ImportModule {
  return async (specifier) => {
    try {
      return await importHere(specifier);
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
}

/** Imports `specifier` from this package, else from the application's directory. */
export const defaultImport: ImportModule = withApplicationFallback(
  (specifier) => import(specifier),
);

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

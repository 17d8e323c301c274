import type { KeyValue } from "@kv/protocol";
import { type ImportModule, loadPackage } from "./load.ts";
import type { OptionSpecs } from "./options.ts";

/** What a factory gets besides its options. */
export interface CreateContext {
  /** How packages are imported (see `OpenStoreOptions.importModule`). */
  importModule?: ImportModule | undefined;
}

/** Makes a store from its (checked) options. */
export type StoreFactory = (
  options: Record<string, unknown>,
  context: CreateContext,
) => KeyValue | Promise<KeyValue>;

/** What the registry knows of a store or a wrapper: its factory, its options, its package. */
interface Definition<Factory> {
  /** Makes the store or the wrapper. */
  readonly create: Factory;
  /** The accepted options; when given, unknown or mistyped options are refused before `create` runs. */
  readonly options?: OptionSpecs | undefined;
  /** The package the store or the wrapper lives in, for messages. */
  readonly packageName?: string | undefined;
}

/** A store the registry can make: its factory, and the options it accepts (checked before it runs). */
export interface StoreDefinition extends Definition<StoreFactory> {}

/** The stores a wrapper wraps: one, a list (mirroring), or named roles (`{ primary, cache }`). */
export type WrapperBases = KeyValue | readonly KeyValue[] | Readonly<Record<string, KeyValue>>;

/**
 * The bases a wrapper takes: `"one"` store, a `"list"` of one or more, or named roles (a list in
 * the order of the names is accepted too; `"*"` among the names allows any further names).
 */
export type BaseShape = "one" | "list" | readonly string[];

/** Makes a wrapper around its bases from its (checked) options. */
export type WrapperFactory = (
  bases: WrapperBases,
  options: Record<string, unknown>,
  context: CreateContext,
) => KeyValue | Promise<KeyValue>;

/** A wrapper the registry can make: its factory, its options and the shape of its `base`. */
export interface WrapperDefinition extends Definition<WrapperFactory> {
  /** What `base` must be. @default "one" */
  readonly bases?: BaseShape | undefined;
  /** The option a bare `?name=value` parameter of a store URL sets (`?retry=3` → `maxRetries`). */
  readonly shorthand?: string | undefined;
}

/** A class that makes a store or a wrapper. */
export type KeyValueConstructor = new (...args: unknown[]) => KeyValue;

/**
 * The class `exportName` of `packageName`, imported on first use.
 * @throws MissingPackageError when the package is not installed, TypeError when it has no such export
 */
export async function loadExport(
  packageName: string,
  exportName: string,
  context: CreateContext,
): Promise<KeyValueConstructor> {
  const module = await loadPackage(packageName, context.importModule);
  const made = module[exportName];
  if (typeof made !== "function") {
    throw new TypeError(`${packageName} has no export ${exportName}`);
  }
  return made as KeyValueConstructor;
}

/**
 * A store definition that imports `packageName` when the first store is made and constructs
 * its export `exportName` with the options: for registering stores of other packages lazily.
 */
export function storeFromPackage(
  packageName: string,
  exportName: string,
  options?: OptionSpecs,
): StoreDefinition {
  return {
    packageName,
    options,
    create: async (values, context) =>
      new (await loadExport(packageName, exportName, context))(values),
  };
}

/**
 * A wrapper definition that imports `packageName` when the first wrapper is made and
 * constructs its export `exportName`: `new X(base, options)` for `"one"` and `"list"` bases
 * (the list itself for a list), `new X(...roles, options)` for named roles.
 */
export function wrapperFromPackage(
  packageName: string,
  exportName: string,
  options?: OptionSpecs,
  bases: BaseShape = "one",
): WrapperDefinition {
  return {
    packageName,
    options,
    bases,
    create: async (given, values, context) => {
      const Wrapper = await loadExport(packageName, exportName, context);
      if (bases === "one" || bases === "list") return new Wrapper(given, values);
      const named = given as Readonly<Record<string, KeyValue>>;
      return new Wrapper(...bases.map((role) => named[role]), values);
    },
  };
}

import { builtinStores, builtinWrappers } from "./builtins.ts";
import type {
  StoreDefinition,
  StoreFactory,
  WrapperDefinition,
  WrapperFactory,
} from "./definitions.ts";
import { RegistryConflictError } from "./errors.ts";

/** Options of `registerStore` and `registerWrapper`. */
export interface RegisterOptions {
  /** Replace an entry of the same name instead of refusing it. @default false */
  replace?: boolean | undefined;
}

const stores = new Map<string, StoreDefinition>(builtinStores());
const wrappers = new Map<string, WrapperDefinition>(builtinWrappers());

/**
 * Registers a store under `name` (a factory function, or a definition with its options).
 * @throws RegistryConflictError when the name is taken and `replace` is not set
 */
export function registerStore(
  name: string,
  factory: StoreFactory | StoreDefinition,
  options: RegisterOptions = {},
): void {
  register(stores, name, typeof factory === "function" ? { create: factory } : factory, options);
}

/**
 * Registers a wrapper under `name` (a factory function taking one base, or a definition).
 * @throws RegistryConflictError when the name is taken and `replace` is not set
 */
export function registerWrapper(
  name: string,
  factory: WrapperFactory | WrapperDefinition,
  options: RegisterOptions = {},
): void {
  register(wrappers, name, typeof factory === "function" ? { create: factory } : factory, options);
}

function register<D>(
  table: Map<string, D>,
  name: string,
  definition: D,
  { replace = false }: RegisterOptions,
): void {
  if (typeof name !== "string" || name === "")
    throw new TypeError("a registry name must be a non-empty string");
  if (!replace && (stores.has(name) || wrappers.has(name))) {
    throw new RegistryConflictError({ registeredName: name });
  }
  (table === (stores as unknown) ? wrappers : stores).delete(name);
  table.set(name, definition);
}

/** The store registered under `name`, if any. */
export function storeDefinition(name: string): StoreDefinition | undefined {
  return stores.get(name);
}

/** The wrapper registered under `name`, if any. */
export function wrapperDefinition(name: string): WrapperDefinition | undefined {
  return wrappers.get(name);
}

/** The names of every registered store. */
export function registeredStores(): string[] {
  return [...stores.keys()];
}

/** The names of every registered wrapper. */
export function registeredWrappers(): string[] {
  return [...wrappers.keys()];
}

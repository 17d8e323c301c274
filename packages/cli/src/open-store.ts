import { existsSync } from "node:fs";
import { loadConfig, openStore, withApplicationFallback } from "@kv/config";
import { type KeyValue, supportsClose } from "@kv/protocol";
import { usageError } from "./cli-error.ts";

/** A store opened from a command-line argument, and how to release it. */
export interface OpenedStore {
  store: KeyValue;
  /** The argument as given (print it through `Output`, which redacts it). */
  name: string;
  close(): Promise<void>;
}

/**
 * Imports store and wrapper packages from `kv`'s own location first (its dependencies, and the
 * packages installed beside a global `kv`, which Node finds by walking up to the global
 * `node_modules`), then from the current directory's project.
 */
const importModule = withApplicationFallback((specifier) => import(specifier));

const scheme = /^[a-z][a-z0-9+.-]*:/i;
const configFile = /\.(ya?ml|json)(#.*)?$/i;

/**
 * Opens the store an argument names: a store URL (`redis://host:6379/0`, `sqlite:./app.db` …) or a
 * configuration file (`stores.yaml`, its `main` store; `stores.yaml#cache` for another one).
 * @throws CliError (usage) for a missing configuration file or store name; what `openStore` or
 * `loadConfig` throw (ConfigError, MissingPackageError …)
 */
export async function openArgument(argument: string): Promise<OpenedStore> {
  if (!scheme.test(argument)) {
    if (configFile.test(argument)) return await openConfig(argument);
    throw usageError(
      `${argument} is neither a store URL (such as redis://host:6379 or sqlite:./app.db) nor a configuration file (.yaml, .yml or .json)`,
    );
  }
  const store = await openStore(argument, { importModule });
  return {
    store,
    name: argument,
    close: async () => {
      if (supportsClose(store)) await store.close();
    },
  };
}

async function openConfig(argument: string): Promise<OpenedStore> {
  const hash = argument.lastIndexOf("#");
  const file = hash < 0 ? argument : argument.slice(0, hash);
  const storeName = hash < 0 ? undefined : argument.slice(hash + 1);
  if (!existsSync(file)) throw usageError(`the configuration file ${file} does not exist`);
  const loaded = await loadConfig(file, { importModule });
  const store = storeName === undefined ? loaded.main : loaded.stores[storeName];
  if (store === undefined) {
    await loaded.close();
    const names = Object.keys(loaded.stores).join(", ");
    throw usageError(`${file} has no store named ${storeName} (it has ${names})`);
  }
  return { store, name: argument, close: () => loaded.close() };
}

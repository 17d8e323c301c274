import { resolve } from "node:path";

/**
 * The absolute path of a file store's `directory` option.
 * @throws TypeError naming `store` when `directory` is not a non-empty string
 */
export function storeDirectory(directory: unknown, store: string): string {
  if (typeof directory !== "string" || directory.length === 0) {
    throw new TypeError(`${store} needs a \`directory\``);
  }
  return resolve(directory);
}

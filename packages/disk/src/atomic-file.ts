import { readFile } from "node:fs/promises";
import { isMissing } from "@kv/atomic-files";

/** This host's tag in the names of temporary files and lock owners (see `@kv/atomic-files`). */
export { hostTag } from "@kv/atomic-files";

/** The text of a file, or `undefined` when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  breakIfStale,
  decodeName,
  encodeName,
  isMissing,
  isStaleTemporary,
} from "@kv/atomic-files";
import { lockSuffix } from "./file-lock.ts";
import { collectionStem } from "./file-names.ts";

/** The file names in `directory`, or none when it does not exist. */
async function namesIn(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** The collection a hashed file name stands for, as the file records it. */
async function recordedCollection(path: string, stem: string): Promise<string | undefined> {
  try {
    const { collection } = JSON.parse(await readFile(path, "utf8")) as { collection?: unknown };
    return typeof collection === "string" && encodeName(collection) === stem
      ? collection
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The collections whose files are in `directory`: a name read from the file name, or, for a name
 * too long to keep in it, from the file's `collection` field. Other files are ignored.
 */
export async function collectionsIn(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await namesIn(directory)) {
    const stem = collectionStem(name);
    if (stem === undefined) continue;
    const collection = decodeName(stem) ?? (await recordedCollection(join(directory, name), stem));
    if (collection !== undefined) found.push(collection);
  }
  return found;
}

/**
 * Removes what killed writers left in `directory`: temporary files and lock staging directories
 * of dead processes (or over an hour old), and stale locks.
 */
export async function removeLeftovers(directory: string): Promise<void> {
  for (const name of await namesIn(directory)) {
    const path = join(directory, name);
    if (name.endsWith(lockSuffix) && collectionStem(name.slice(0, -lockSuffix.length))) {
      await breakIfStale(path);
    } else if (await isStaleTemporary(path, name)) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

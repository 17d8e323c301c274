import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { errorCode, isStaleTemporary, syncDirectory, unlinkIfExists } from "./atomic-file.ts";
import { entryStem, readStoredName } from "./entry-files.ts";
import { decodeName, isEncodedName } from "./file-names.ts";
import { type FoundFile, listDirectory, walkFiles } from "./walk.ts";

/** Yields the (encoded) names of the collection directories under the root, streaming. */
export async function* collectionDirectories(
  root: string,
): AsyncGenerator<string, void, undefined> {
  for await (const name of listDirectory(root, "directory")) {
    if (isEncodedName(name)) yield name;
  }
}

/** The first entry file below a collection directory, or `undefined` when it holds none. */
export async function firstEntryFile(
  directory: string,
  fanOutLevels: number,
): Promise<FoundFile | undefined> {
  for await (const file of walkFiles(directory, fanOutLevels)) {
    if (entryStem(file.name) !== undefined) return file;
  }
  return undefined;
}

/** Yields the name of every collection holding at least one entry file, streaming the root. */
export async function* collectionNames(
  root: string,
  fanOutLevels: number,
): AsyncGenerator<string, void, undefined> {
  for await (const name of collectionDirectories(root)) {
    const first = await firstEntryFile(join(root, name), fanOutLevels);
    if (first === undefined) continue;
    const decoded = decodeName(name) ?? (await readStoredName(first.path, "collection", name));
    if (decoded !== undefined) yield decoded;
  }
}

/**
 * Removes a collection directory: first renamed aside (readers see all or nothing), then deleted.
 * @returns `true` when it held an entry file.
 */
export async function removeCollectionDirectory(
  root: string,
  name: string,
  fanOutLevels: number,
  fsync: boolean,
): Promise<boolean> {
  const directory = join(root, name);
  const held = (await firstEntryFile(directory, fanOutLevels)) !== undefined;
  const aside = join(root, `.trash-${randomBytes(6).toString("hex")}`);
  try {
    await rename(directory, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
  if (fsync) await syncDirectory(root);
  await rm(aside, { recursive: true, force: true });
  return held;
}

/** Removes `.trash-*` directories and stale temporary files from the root. */
export async function removeLeftovers(root: string): Promise<void> {
  for await (const name of listDirectory(root, "directory")) {
    if (name.startsWith(".trash-")) {
      await rm(join(root, name), { recursive: true, force: true });
    }
  }
  for await (const name of listDirectory(root, "file")) {
    const path = join(root, name);
    if (await isStaleTemporary(path, name)) await unlinkIfExists(path);
  }
}

import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  decodeName,
  errorCode,
  isEncodedName,
  isStaleTemporary,
  syncDirectory,
  unlinkIfExists,
  writeAtomic,
} from "@kv/atomic-files";
import { batches, type Clock, StoreSetupError } from "@kv/protocol";
import { readIfExists } from "./atomic-file.ts";
import { parseDocument } from "./document.ts";
import { cullFile, entryStem, readStoredName } from "./entry-files.ts";
import type { EntryLocks } from "./file-lock.ts";
import { type FoundFile, listDirectory, parallelFiles, walkFiles } from "./walk.ts";

/** The file in the root that records the layout, so a mismatched `fanOutLevels` is refused. */
const layoutFile = ".kv-disk-layout";

/**
 * Creates the root directory when missing and records its layout there, or checks the layout
 * recorded.
 * @throws StoreSetupError when the root was written with another `fanOutLevels`
 */
export async function openRoot(root: string, fanOutLevels: number, fsync: boolean): Promise<void> {
  await mkdir(root, { recursive: true });
  const path = join(root, layoutFile);
  const found = await readIfExists(path);
  if (found === undefined) {
    await writeAtomic(path, JSON.stringify({ version: 1, fanOutLevels }), { fsync });
    return;
  }
  const levels = (parseDocument(found) as { fanOutLevels?: unknown } | undefined)?.fanOutLevels;
  if (levels !== fanOutLevels) {
    throw new StoreSetupError({
      message: `${root} was written with fanOutLevels ${String(levels)}, not ${fanOutLevels}`,
      operation: "setup",
    });
  }
}

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

/**
 * Removes every collection directory under the root, then what killed writers left there; other
 * files and directories are left alone.
 * @returns `true` when any collection held an entry file.
 */
export async function removeCollections(
  root: string,
  fanOutLevels: number,
  fsync: boolean,
): Promise<boolean> {
  let removed = false;
  for await (const name of collectionDirectories(root)) {
    if (await removeCollectionDirectory(root, name, fanOutLevels, fsync)) removed = true;
  }
  await removeLeftovers(root);
  return removed;
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

/**
 * Deletes expired entry files, stale temporary files and staging directories, stale locks, and
 * what an interrupted `destroyCollection` left, below every collection directory.
 */
export async function cullCollections(
  root: string,
  fanOutLevels: number,
  clock: Clock,
  locks: EntryLocks,
): Promise<void> {
  await removeLeftovers(root);
  for await (const name of collectionDirectories(root)) {
    const files = walkFiles(join(root, name), fanOutLevels, "any");
    for await (const batch of batches(files, parallelFiles)) {
      await Promise.all(batch.map((file) => cullFile(file, clock, locks)));
    }
  }
}

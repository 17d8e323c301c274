import { link, open, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  type Clock,
  DeserializationError,
  fromEntryDocument,
  isExpired,
  type ManagedEntry,
  messageOf,
} from "@kv/protocol";
import {
  errorCode,
  isStaleTemporary,
  isTemporaryName,
  readIfExists,
  temporaryName,
  unlinkIfExists,
} from "./atomic-file.ts";
import { parseDocument } from "./document.ts";
import { decodeName, encodeName, entrySuffix, isEncodedName } from "./file-names.ts";
import type { FoundFile } from "./walk.ts";

/** The encoded key of an entry file name, or `undefined` for any other file. */
export function entryStem(name: string): string | undefined {
  if (!name.endsWith(entrySuffix)) return undefined;
  const stem = name.slice(0, -entrySuffix.length);
  return isEncodedName(stem) ? stem : undefined;
}

/**
 * Parses the text of an entry file.
 * @throws DeserializationError naming the collection and key when it is not a valid entry
 */
export function readEntry(text: string, collection: string, key: string): ManagedEntry {
  try {
    return fromEntryDocument(parseDocument(text));
  } catch (error) {
    throw new DeserializationError({ message: messageOf(error), cause: error, collection, key });
  }
}

/** Deletes an entry's file: `true` if it held a live entry, `false` if expired, `undefined` if absent. */
export async function removeEntryFile(
  path: string,
  collection: string,
  key: string,
  clock: Clock,
): Promise<boolean | undefined> {
  const text = await readIfExists(path);
  if (text === undefined || !(await unlinkIfExists(path))) return undefined;
  try {
    return !isExpired(readEntry(text, collection, key), clock.now());
  } catch {
    return true;
  }
}

/** The key or collection name an entry document records, when it encodes to `encoded`. */
export function storedName(
  document: unknown,
  field: "key" | "collection",
  encoded: string,
): string | undefined {
  const name = (document as Record<string, unknown> | undefined)?.[field];
  return typeof name === "string" && encodeName(name) === encoded ? name : undefined;
}

/** The name recorded in an entry file, when it is readable and encodes to `encoded`. */
export async function readStoredName(
  path: string,
  field: "key" | "collection",
  encoded: string,
): Promise<string | undefined> {
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  try {
    return storedName(parseDocument(text), field, encoded);
  } catch {
    return undefined;
  }
}

/** A file's text with the identity of the version read (every write makes a new inode). */
export interface FileVersion {
  readonly text: string;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly size: number;
}

/** Reads a file with the identity of its version, or `undefined` when it does not exist. */
export async function readVersion(path: string): Promise<FileVersion | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    const { ino, mtimeMs, size } = await handle.stat();
    return { text: await handle.readFile("utf8"), ino, mtimeMs, size };
  } finally {
    await handle.close();
  }
}

/**
 * Removes an expired entry file unless a writer replaced it since it was read: the file is
 * renamed aside, and put back (unless yet another write took its place) when it is not the same.
 */
export async function removeIfUnchanged(path: string, before: FileVersion): Promise<void> {
  const aside = join(dirname(path), temporaryName());
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  const now = await stat(aside);
  if (now.ino !== before.ino || now.mtimeMs !== before.mtimeMs || now.size !== before.size) {
    await link(aside, path).catch((error: unknown) => {
      if (errorCode(error) !== "EEXIST") throw error;
    });
  }
  await unlinkIfExists(aside);
}

/** The key an entry file holds, when it is a readable entry that has not expired. */
export async function liveKeyOf(file: FoundFile, clock: Clock): Promise<string | undefined> {
  const stem = entryStem(file.name);
  if (stem === undefined) return undefined;
  const text = await readIfExists(file.path);
  if (text === undefined) return undefined;
  try {
    const document = parseDocument(text);
    const key = decodeName(stem) ?? storedName(document, "key", stem);
    if (key === undefined || isExpired(fromEntryDocument(document), clock.now())) return undefined;
    return key;
  } catch {
    return undefined;
  }
}

/**
 * Removes a file below a collection directory when it is an expired entry (unless rewritten
 * meanwhile) or a stale temporary file; leaves anything else alone.
 */
export async function cullFile(file: FoundFile, clock: Clock): Promise<void> {
  if (isTemporaryName(file.name)) {
    if (await isStaleTemporary(file.path, file.name)) await unlinkIfExists(file.path);
    return;
  }
  if (entryStem(file.name) === undefined) return;
  const before = await readVersion(file.path);
  if (before === undefined) return;
  let expired: boolean;
  try {
    expired = isExpired(fromEntryDocument(parseDocument(before.text)), clock.now());
  } catch {
    return;
  }
  if (expired) await removeIfUnchanged(file.path, before);
}

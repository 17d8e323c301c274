import { rm } from "node:fs/promises";
import {
  breakIfStale,
  decodeName,
  encodeName,
  isEncodedName,
  isStaleTemporary,
  isTemporaryName,
  unlinkIfExists,
} from "@kv/atomic-files";
import {
  type Clock,
  DeserializationError,
  fromEntryDocument,
  isExpired,
  type ManagedEntry,
  messageOf,
} from "@kv/protocol";
import { readIfExists } from "./atomic-file.ts";
import { parseDocument } from "./document.ts";
import { type EntryLocks, isLockName } from "./file-lock.ts";
import { entrySuffix } from "./file-names.ts";
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
 * Tidies one name below a collection directory: removes it when it is an expired entry (checked
 * again under the entry's lock) or a stale temporary file or staging directory, and breaks a stale
 * lock; leaves anything else alone.
 */
export async function cullFile(file: FoundFile, clock: Clock, locks: EntryLocks): Promise<void> {
  if (isTemporaryName(file.name)) {
    if (await isStaleTemporary(file.path, file.name)) {
      await rm(file.path, { recursive: true, force: true });
    }
  } else if (isLockName(file.name)) {
    await breakIfStale(file.path);
  } else if (entryStem(file.name) !== undefined && (await isExpiredFile(file.path, clock))) {
    await locks.run(file.path, async () => {
      if (await isExpiredFile(file.path, clock)) await unlinkIfExists(file.path);
    });
  }
}

async function isExpiredFile(path: string, clock: Clock): Promise<boolean> {
  const text = await readIfExists(path);
  if (text === undefined) return false;
  try {
    return isExpired(fromEntryDocument(parseDocument(text)), clock.now());
  } catch {
    return false;
  }
}

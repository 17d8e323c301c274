import { randomBytes } from "node:crypto";
import { once } from "node:events";
import {
  close,
  createReadStream,
  fsync as fsyncDescriptor,
  open as openCallback,
  type ReadStream,
  write,
} from "node:fs";
import { rmdir, unlink } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";
import { promisify } from "node:util";
import { errorCode, replaceFile } from "@kv/atomic-files";

// The callback API on plain descriptors: cheaper per call than FileHandle's promises.
const openDescriptor = promisify(openCallback);
const syncDescriptor = promisify(fsyncDescriptor);
const closeDescriptor = promisify(close);
const writeDescriptor = (
  fd: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
): Promise<number> =>
  new Promise((resolve, reject) => {
    write(fd, bytes, offset, length, null, (error, written) =>
      error === null ? resolve(written) : reject(error),
    );
  });

/** The start of every temporary file's name; no stored name may start with it. */
export const TEMPORARY_PREFIX = ".kv-tmp-";

/** True for the codes that mean "no file there" (or a directory where a file was expected). */
export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

/** A fresh temporary file name: `.kv-tmp-<pid>-<random>`. */
function temporaryName(): string {
  return `${TEMPORARY_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`;
}

/**
 * Runs `write(temporary)` on a new temporary path beside `path`, then renames the result over
 * `path` (`replaceFile` of `@kv/atomic-files`, with this package's temporary names): readers see
 * the old file or the whole new one.
 */
export function replaceAtomically(
  path: string,
  write: (temporary: string) => Promise<void>,
): Promise<void> {
  return replaceFile(path, write, { temporaryName });
}

/**
 * Writes chunks into a new file (`wx`: never an existing one) as they arrive, each written before
 * the next is read, optionally flushed to disk.
 */
export async function writeChunks(
  path: string,
  chunks: AsyncIterable<Uint8Array>,
  fsync: boolean,
): Promise<void> {
  const fd = await openDescriptor(path, "wx");
  try {
    for await (const chunk of chunks) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        offset += await writeDescriptor(fd, chunk, offset, chunk.byteLength - offset);
      }
    }
    if (fsync) await syncDescriptor(fd);
  } finally {
    await closeDescriptor(fd);
  }
}

/**
 * Opens a regular file as a read stream, or `undefined` when there is no file at `path` (nothing,
 * or a directory). The stream opens the file itself and is handed over once its first read is
 * buffered (or it ended), so a missing file or a directory shows up here, not as a stream error,
 * without an `fstat` of its own.
 */
export async function openReadStream(path: string): Promise<ReadStream | undefined> {
  const stream = createReadStream(path);
  try {
    await once(stream, "readable");
  } catch (error) {
    stream.destroy();
    if (isMissing(error)) return undefined;
    throw error;
  }
  return stream;
}

/** Removes a file; `false` when there was none. */
export async function unlinkFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error) || errorCode(error) === "EPERM") return false;
    throw error;
  }
}

/** Removes the empty directories from `path`'s parent up to (not including) `root`. */
export async function removeEmptyParents(path: string, root: string): Promise<void> {
  for (let directory = dirname(path); isInside(directory, root); directory = dirname(directory)) {
    try {
      await rmdir(directory);
    } catch {
      return;
    }
  }
}

/** True when `path` lies strictly inside `root`. */
export function isInside(path: string, root: string): boolean {
  const relation = relative(root, path);
  return relation !== "" && !relation.startsWith(`..${sep}`) && relation !== "..";
}

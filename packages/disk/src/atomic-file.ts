import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { hashName } from "./file-names.ts";

/** Temporary files older than this are removed even when their writer seems alive. */
const staleTempMs = 60 * 60 * 1000;
/** This host's tag in temporary and lock names: the first 8 hex digits of the SHA-256 of its name. */
export const hostTag: string = hashName(hostname()).slice(0, 8);
const tempName = /^\.([0-9a-f]{8})-(\d+)-[0-9a-f]+\.tmp$/;

/** The error code of a failed system call, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A fresh name for a temporary file or a lock's staging directory: `.<host>-<pid>-<random>.tmp`,
 * never an entry's name.
 */
export function temporaryName(): string {
  return `.${hostTag}-${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
}

/** True for a name made by `temporaryName`. */
export function isTemporaryName(name: string): boolean {
  return tempName.test(name);
}

/**
 * True when a temporary file (or staging directory) can no longer become an entry (or a lock):
 * its writer (same host) has exited, or it is over an hour old.
 */
export async function isStaleTemporary(path: string, name: string): Promise<boolean> {
  const match = tempName.exec(name);
  if (match === null) return false;
  const [, host = "", pid] = match;
  if (isDeadProcess(host, Number(pid))) return true;
  try {
    return Date.now() - (await lstat(path)).mtimeMs > staleTempMs;
  } catch {
    return false;
  }
}

/**
 * True when `host` (a tag from this module) is this host and the process `pid` on it has exited.
 * A process on another host, or this one, never counts as dead.
 */
export function isDeadProcess(host: string, pid: number): boolean {
  return host === hostTag && pid !== process.pid && !isAlive(pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** The text of a file, or `undefined` when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Removes a file; `false` when it did not exist. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw error;
  }
}

/** Runs the rename that installs a written file, for example while holding the entry's lock. */
export type Install = (rename: () => Promise<void>) => Promise<void>;

/**
 * Writes `text` to `path` atomically: into a temporary file in the same directory (created when
 * missing), flushed to disk when `fsync`, then renamed over `path` through `install`. Readers see
 * the old file or the new one, never a part. The directory itself is not flushed: see
 * `syncDirectory`.
 */
export async function writeAtomic(
  path: string,
  text: string,
  fsync: boolean,
  install: Install = (rename) => rename(),
): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, temporaryName());
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(temporary, "wx");
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
    await mkdir(directory, { recursive: true });
    handle = await open(temporary, "wx");
  }
  try {
    try {
      await handle.writeFile(text, "utf8");
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await install(() => rename(temporary, path));
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Flushes a directory's entries (renames, removals) to disk; a no-op where that is unsupported. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(directory, "r");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "EISDIR" || code === "EPERM" || code === "EACCES") return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EBADF") throw error;
  } finally {
    await handle.close();
  }
}

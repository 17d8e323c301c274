import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, open, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";

/** Temporary files older than this are removed by `cull()` even when their writer seems alive. */
const staleTemporaryMs = 60 * 60 * 1000;
/** This host's tag in temporary and lock names: the first 8 hex digits of the SHA-256 of its name. */
export const hostTag: string = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
const temporaryPattern = /^\.([0-9a-f]{8})-(\d+)-[0-9a-f]+\.tmp$/;

/** The error code of a failed system call, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True for the codes of a path that does not exist. */
export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

/** A fresh name for a temporary file or a lock's staging directory: `.<host>-<pid>-<random>.tmp`. */
export function temporaryName(): string {
  return `.${hostTag}-${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
}

/**
 * True when `name` is a temporary name whose writer can no longer install it: its process (on
 * this host) has exited, or it is over an hour old.
 */
export async function isStaleTemporary(path: string, name: string): Promise<boolean> {
  const match = temporaryPattern.exec(name);
  if (match === null) return false;
  if (isDeadProcess(match[1] ?? "", Number(match[2]))) return true;
  try {
    return Date.now() - (await lstat(path)).mtimeMs > staleTemporaryMs;
  } catch {
    return false;
  }
}

/** True when `host` is this host and its process `pid` has exited; never for another host. */
export function isDeadProcess(host: string, pid: number): boolean {
  if (host !== hostTag || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) !== "EPERM";
  }
}

/** Removes a file; `false` when it did not exist. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Writes `text` to `path` atomically: into a temporary file in the same directory, flushed to the
 * device when `fsync`, then renamed over `path`, then (when `fsync`) the directory flushed too.
 * Readers see the old file or the new one, never a part of either.
 */
export async function writeAtomic(path: string, text: string, fsync: boolean): Promise<void> {
  const temporary = join(dirname(path), temporaryName());
  const handle = await open(temporary, "wx");
  try {
    try {
      await handle.writeFile(text, "utf8");
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  if (fsync) await syncDirectory(dirname(path));
}

/** Flushes a directory's entries (renames, removals) to the device; a no-op where unsupported. */
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

/** Creates a directory (and its parents) when missing. */
export async function ensureDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
}

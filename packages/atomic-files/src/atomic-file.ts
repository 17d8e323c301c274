import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { errorCode, isMissing } from "./file-errors.ts";
import { hostTag, isDeadProcess } from "./host.ts";

/** Temporary files older than this count as stale even when their writer seems alive. */
const staleTemporaryMs = 60 * 60 * 1000;
const temporaryPattern = /^\.([0-9a-f]{8})-(\d+)-[0-9a-f]+\.tmp$/;

/**
 * A fresh name for a temporary file or a lock's staging directory: `.<host>-<pid>-<random>.tmp`,
 * never a name `encodeName` produces.
 */
export function temporaryName(): string {
  return `.${hostTag}-${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
}

/** True for a name made by `temporaryName`. */
export function isTemporaryName(name: string): boolean {
  return temporaryPattern.test(name);
}

/**
 * True when the temporary file (or staging directory) `name` at `path` can no longer be
 * installed: its writer's process (on this host) has exited, or it is over an hour old.
 */
export async function isStaleTemporary(path: string, name: string): Promise<boolean> {
  const match = temporaryPattern.exec(name);
  if (match === null) return false;
  const [, host = "", pid] = match;
  if (isDeadProcess(host, Number(pid))) return true;
  try {
    return Date.now() - (await lstat(path)).mtimeMs > staleTemporaryMs;
  } catch {
    return false;
  }
}

/** Runs the rename that installs a written file, for example while holding the file's lock. */
export type Install = (rename: () => Promise<void>) => Promise<void>;

/** How `replaceFile` names and installs its temporary file. */
export interface ReplaceOptions {
  /** Runs the rename over the target. @default the rename alone */
  install?: Install | undefined;
  /** Makes the temporary file's name (no directory). @default temporaryName */
  temporaryName?: (() => string) | undefined;
}

/** How `writeAtomic` writes. */
export interface WriteOptions {
  /** Flush the new file to the device before it replaces the old one. @default true */
  fsync?: boolean | undefined;
  /** Runs the rename over the target. @default the rename alone */
  install?: Install | undefined;
}

/**
 * Replaces the file at `path` whole: `write(temporary)` makes a new file at a fresh temporary path
 * in the same directory (created when missing, and again should it vanish meanwhile), which is
 * then renamed over `path` through `install`. Readers see the old file or the new one, never a
 * part. The temporary file is removed when anything fails. The directory is not flushed: see
 * `syncDirectory`.
 * @throws whatever `write`, the rename or `install` throws
 */
export async function replaceFile(
  path: string,
  write: (temporary: string) => Promise<void>,
  options: ReplaceOptions = {},
): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, (options.temporaryName ?? temporaryName)());
  const install = options.install ?? ((rename) => rename());
  try {
    await inDirectory(directory, () => write(temporary));
    await install(() => rename(temporary, path));
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Writes text or bytes into a new file (`wx`: never over an existing one), flushed to the device
 * when `fsync`.
 * @throws the file-system error, `EEXIST` when the file exists
 */
export async function writeNewFile(
  path: string,
  data: string | Uint8Array,
  fsync: boolean,
): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(data);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` (text as UTF-8) to `path` atomically, as `replaceFile` does: a temporary file,
 * flushed when `fsync`, renamed over `path`.
 * @throws the file-system error, or whatever `install` throws
 */
export function writeAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const fsync = options.fsync ?? true;
  return replaceFile(path, (temporary) => writeNewFile(temporary, data, fsync), {
    install: options.install,
  });
}

/**
 * Flushes a directory's entries (renames, removals) to the device; a no-op where the platform
 * cannot (or the directory is gone).
 * @throws the file-system error of any other failure
 */
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

/**
 * Removes a file; `false` when there was none.
 * @throws the file-system error of any other failure
 */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** Runs `step`, creating `directory` and trying again (twice at most) while it fails with ENOENT. */
async function inDirectory<T>(directory: string, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (errorCode(error) !== "ENOENT" || attempt === 3) throw error;
      await mkdir(directory, { recursive: true });
    }
  }
}

import {
  acquireLock as acquireLockDirectory,
  LockHeldError,
  type LockPolicy,
  releaseLock as releaseLockDirectory,
} from "@kv/atomic-files";
import { ConcurrentWriterError } from "./errors.ts";

/** What a lock directory's name adds to its collection file's name. */
export const lockSuffix = ".lock";

/**
 * Takes the lock of the collection file `file`, the lock directory `<file>.lock` (see
 * `acquireLock` of `@kv/atomic-files`), following `policy`.
 * @returns the owner name, for `releaseLock`
 * @throws ConcurrentWriterError when another process holds the lock and `policy` says not to
 *   wait, or it is still held after `policy.timeoutMs`
 */
export async function acquireLock(file: string, policy: LockPolicy): Promise<string> {
  try {
    return await acquireLockDirectory(file + lockSuffix, policy);
  } catch (error) {
    if (!LockHeldError.isInstance(error)) throw error;
    throw new ConcurrentWriterError({ file, pid: error.pid, waitedMs: error.waitedMs });
  }
}

/** Gives the lock of `file` up; a lock broken as stale meanwhile is left to its new holder. */
export function releaseLock(file: string, owner: string): Promise<void> {
  return releaseLockDirectory(file + lockSuffix, owner);
}

import { isEncodedName, withLock } from "@kv/atomic-files";
import { entrySuffix } from "./file-names.ts";

/** A lock held longer than this is broken, even when its owner seems alive or is on another host. */
export { staleLockMs } from "@kv/atomic-files";

const lockSuffix = ".lock";

/** The lock directory of the entry file at `entryPath`: `<key>.lock` beside `<key>.json`. */
function lockPathOf(entryPath: string): string {
  return entryPath.slice(0, -entrySuffix.length) + lockSuffix;
}

/** True for the name of an entry's lock directory. */
export function isLockName(name: string): boolean {
  return name.endsWith(lockSuffix) && isEncodedName(name.slice(0, -lockSuffix.length));
}

/**
 * The per-entry locks of one store instance. Its own callers of one entry queue in memory; the
 * head of each queue holds the entry's lock directory, which excludes every other instance and
 * process, and which another caller breaks once its owner has died or has held it too long.
 */
export class EntryLocks {
  private readonly queues = new Map<string, Promise<void>>();

  /** Runs `action` while holding the lock of the entry file at `entryPath`. */
  run<T>(entryPath: string, action: () => Promise<T>): Promise<T> {
    const lockPath = lockPathOf(entryPath);
    const previous = this.queues.get(lockPath) ?? Promise.resolve();
    const result = previous.then(() => withLock(lockPath, action));
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(lockPath, tail);
    void tail.then(() => {
      if (this.queues.get(lockPath) === tail) this.queues.delete(lockPath);
    });
    return result;
  }
}

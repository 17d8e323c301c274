import { defineError, type ErrorClass, StoreError } from "@kv/protocol";

/** What `LockHeldError` says about the lock. */
export interface LockHeldFields {
  /** The lock directory. */
  lockPath: string;
  /** The process holding it, when it is on this host. */
  pid?: number | undefined;
  /** How long the caller waited for it, in milliseconds (0 when it was not to wait). */
  waitedMs: number;
}

/**
 * Another owner held a lock directory that `acquireLock` was told not to wait for, or held it
 * past the wait's `timeoutMs`. Transient: the same call may succeed once the owner is done.
 */
export interface LockHeldError extends StoreError, Readonly<LockHeldFields> {
  readonly name: "LockHeldError";
}

/**
 * Another owner held a lock directory that `acquireLock` was told not to wait for, or held it
 * past the wait's `timeoutMs`. Transient: the same call may succeed once the owner is done.
 */
export const LockHeldError: ErrorClass<LockHeldError, LockHeldFields> = defineError({
  name: "LockHeldError",
  code: "LOCK_HELD",
  parent: StoreError,
  transient: true,
  fields: ["lockPath", "pid", "waitedMs"],
  message: (options) =>
    `${options.lockPath} is held by ${options.pid === undefined ? "another process" : `process ${options.pid}`}`,
});

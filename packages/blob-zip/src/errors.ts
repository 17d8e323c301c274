import { defineError, type ErrorClass, type KeyValueError, StoreError } from "@kv/protocol";

/**
 * Another writer (a second store instance, in this process or another) holds the archive's lock
 * file. Transient: it may succeed once that writer closes.
 */
export interface ArchiveLockedError extends KeyValueError {
  readonly name: "ArchiveLockedError";
  /** The lock file. */
  readonly lockPath: string;
  /** The process holding it, when the lock file says. */
  readonly holderPid: number | undefined;
}

/**
 * Another writer (a second store instance, in this process or another) holds the archive's lock
 * file. Transient: it may succeed once that writer closes. A `StoreError`.
 */
export const ArchiveLockedError: ErrorClass<
  ArchiveLockedError,
  { lockPath: string; holderPid: number | undefined }
> = defineError({
  name: "ArchiveLockedError",
  code: "ARCHIVE_LOCKED",
  parent: StoreError,
  transient: true,
  fields: ["lockPath", "holderPid"],
  message: (options) =>
    `Another writer holds ${options.lockPath}${options.holderPid === undefined ? "" : ` (process ${options.holderPid})`}`,
});

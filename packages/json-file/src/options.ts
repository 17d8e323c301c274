import { type LockPolicy, storeDirectory } from "@kv/atomic-files";
import type { BaseStoreOptions } from "@kv/protocol";

/** Options of `JsonFileStore`. */
export interface JsonFileStoreOptions extends BaseStoreOptions {
  /** The directory holding one `<collection>.json` file per collection; created when missing. */
  directory: string;
  /**
   * Let writers from several processes wait for each other: each write takes the file's lock,
   * waiting while another process holds it. Without it, a write that meets another process's
   * write in progress throws `ConcurrentWriterError` instead of waiting.
   * @default false
   */
  lock?: boolean | undefined;
  /**
   * With `lock: true`, how long a write waits for another process's lock before it throws
   * `ConcurrentWriterError`, in milliseconds.
   * @default 15000
   */
  lockTimeoutMs?: number | undefined;
  /**
   * Flush each written file and its directory to the device before a write resolves, so the write
   * survives a power loss too (a killed process never loses or tears a write either way).
   * @default true
   */
  fsync?: boolean | undefined;
}

/**
 * The checked directory (absolute), fsync setting and lock policy of `JsonFileStore`'s options.
 * @throws TypeError or RangeError when `directory`, `lock` or `lockTimeoutMs` is not acceptable
 */
export function resolveJsonFileOptions(options: JsonFileStoreOptions): {
  directory: string;
  fsync: boolean;
  lock: LockPolicy;
} {
  const directory = storeDirectory(options?.directory, "JsonFileStore");
  if (options.lock !== undefined && typeof options.lock !== "boolean") {
    throw new TypeError("`lock` must be a boolean");
  }
  const timeoutMs = options.lockTimeoutMs ?? 15_000;
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
    throw new RangeError(`lockTimeoutMs must be a finite number ≥ 0, got ${String(timeoutMs)}`);
  }
  return {
    directory,
    fsync: options.fsync ?? true,
    lock: { wait: options.lock === true, timeoutMs },
  };
}

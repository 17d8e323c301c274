import { StoreConnectionError } from "@kv/protocol";

/** classic-level codes of failures that pass: the database is locked, opening or closing. */
const transientCodes = new Set([
  "LEVEL_LOCKED",
  "LEVEL_DATABASE_NOT_OPEN",
  "LEVEL_ITERATOR_NOT_OPEN",
]);

/** `handle`, there from `setup` until `release`. */
export function opened<T>(handle: T | undefined): T {
  if (handle === undefined) throw new StoreConnectionError({ message: "The database is closed" });
  return handle;
}

/** True for a classic-level failure that passes: locked by another process, or used while closed or closing. */
export function isTransientLevelError(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (code === "LEVEL_DATABASE_NOT_OPEN" && typeof cause?.code === "string") {
    return cause.code === "LEVEL_LOCKED";
  }
  return typeof code === "string" && transientCodes.has(code);
}

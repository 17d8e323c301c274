/** A hook's result: the value itself when the hook finished at once, else a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * True when a hook handed back a promise (or any thenable, as drivers may use their own promise
 * type) rather than its finished result.
 */
export function isPromiseLike<T>(result: MaybePromise<T>): result is Promise<T> {
  return typeof (result as { then?: unknown } | null | undefined)?.then === "function";
}

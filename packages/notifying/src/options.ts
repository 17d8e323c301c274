import type { HandlerError } from "./errors.ts";
import type { ChangeEvent, ChangeHandler, DeleteEvent, PutEvent } from "./events.ts";

/** Options of `NotifyingWrapper`. */
export interface NotifyingWrapperOptions {
  /** Called after every successful `put` and `putMany`. */
  onPut?: ChangeHandler<PutEvent> | undefined;
  /** Called after every successful `delete` and `deleteMany`, whether the keys existed or not. */
  onDelete?: ChangeHandler<DeleteEvent> | undefined;
  /** Called after every successful change: puts, deletes, `destroyCollection`, `destroy` and `cull`. */
  onChange?: ChangeHandler<ChangeEvent> | undefined;
  /** Put the written values in `PutEvent.values`. @default false */
  includeValues?: boolean | undefined;
  /**
   * Make each call wait until its handlers have settled (their failures are still reported, never
   * thrown). By default an async handler runs on after the call has returned. @default false
   */
  awaitHandlers?: boolean | undefined;
  /**
   * Told when a handler throws or rejects, with a `HandlerError` whose `cause` is the handler's
   * error. @default `console.error(error)`
   */
  onHandlerError?: ((error: HandlerError) => void) | undefined;
}

/** The option if it is a function or absent. @throws TypeError otherwise */
export function handler<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${typeof value}`);
  }
  return value;
}

/** The flag if it is a boolean, `false` when absent. @throws TypeError otherwise */
export function flag(value: boolean | undefined, name: string): boolean {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${typeof value}`);
  }
  return value ?? false;
}

import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";
import type { ChangeEvent, HandlerName } from "./events.ts";

/**
 * A handler threw or rejected after a change. The change stands and the call succeeded; this
 * error only reports the handler's failure (its `cause`) to `onHandlerError`.
 */
export interface HandlerError extends KeyValueError {
  readonly name: "HandlerError";
  /** The option of the handler that failed. */
  readonly handler: HandlerName;
  /** The change the handler was told about. */
  readonly event: ChangeEvent;
}
/**
 * A handler threw or rejected after a change. The change stands and the call succeeded; this
 * error only reports the handler's failure (its `cause`) to `onHandlerError`.
 */
export const HandlerError: ErrorClass<HandlerError, { handler: HandlerName; event: ChangeEvent }> =
  defineError({
    name: "HandlerError",
    code: "HANDLER_FAILED",
    fields: ["handler", "event"],
    message: (o) => `The ${o.handler} handler failed; the change it was told about stands`,
  });

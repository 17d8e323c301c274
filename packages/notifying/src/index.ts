export { HandlerError } from "./errors.ts";
export type {
  ChangeEvent,
  ChangeHandler,
  CullEvent,
  DeleteEvent,
  DestroyCollectionEvent,
  DestroyEvent,
  HandlerName,
  PutEvent,
} from "./events.ts";
export { NotifyingWrapper } from "./notifying-wrapper.ts";
export type { NotifyingWrapperOptions } from "./options.ts";

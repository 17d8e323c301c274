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
export { NotifyingWrapper, type NotifyingWrapperOptions } from "./notifying-wrapper.ts";

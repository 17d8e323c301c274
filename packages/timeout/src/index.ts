export { TimeoutError } from "./errors.ts";
export { TimeoutWrapper, type TimeoutWrapperOptions } from "./timeout-wrapper.ts";

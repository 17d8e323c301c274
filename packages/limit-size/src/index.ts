export { EntryTooLargeError, EntryTooSmallError } from "./errors.ts";
export { LimitSizeWrapper, type LimitSizeWrapperOptions } from "./limit-size-wrapper.ts";

export { type RetryEvent, RetryWrapper, type RetryWrapperOptions } from "./retry-wrapper.ts";

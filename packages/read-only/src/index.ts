export { ReadOnlyError } from "./errors.ts";
export { ReadOnlyWrapper, type ReadOnlyWrapperOptions } from "./read-only-wrapper.ts";

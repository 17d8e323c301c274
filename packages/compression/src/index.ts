export { CompressionWrapper, type CompressionWrapperOptions } from "./compression-wrapper.ts";
export { DecompressionError } from "./errors.ts";

export { DefaultValueWrapper, type DefaultValueWrapperOptions } from "./default-value-wrapper.ts";

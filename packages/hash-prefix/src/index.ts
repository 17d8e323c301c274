export { HashPrefixWrapper, type HashPrefixWrapperOptions } from "./hash-prefix-wrapper.ts";

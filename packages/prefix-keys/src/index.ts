export { PrefixKeysWrapper, type PrefixKeysWrapperOptions } from "./prefix-keys-wrapper.ts";

export { TtlClampWrapper, type TtlClampWrapperOptions } from "./ttl-clamp-wrapper.ts";

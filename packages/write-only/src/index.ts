export { WriteOnlyError } from "./errors.ts";
export { WriteOnlyWrapper } from "./write-only-wrapper.ts";

export type { CircuitState } from "./circuit-breaker.ts";
export { FallbackWrapper, type FallbackWrapperOptions } from "./fallback-wrapper.ts";

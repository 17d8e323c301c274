export type { CacheErrorEvent, PassthroughCacheWrapperOptions } from "./options.ts";
export { PassthroughCacheWrapper } from "./passthrough-cache-wrapper.ts";

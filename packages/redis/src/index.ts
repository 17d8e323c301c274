export type { RedisStoreOptions } from "./client.ts";
export { StoreConfigurationError } from "./errors.ts";
export { RedisStore } from "./redis-store.ts";

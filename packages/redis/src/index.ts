export { StoreConfigurationError } from "@kv/protocol";
export type { RedisStoreOptions } from "./client.ts";
export { RedisStore } from "./redis-store.ts";

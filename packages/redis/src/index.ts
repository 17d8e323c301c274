export type {
  RedisStoreClientOptions,
  RedisStoreClusterOptions,
  RedisStoreCommonOptions,
  RedisStoreOptions,
  RedisStoreUrlOptions,
} from "./client.ts";
export { RedisStore } from "./redis-store.ts";

export { MemcachedStore } from "./memcached-store.ts";
export type {
  MemcachedStoreClientOptions,
  MemcachedStoreOptions,
  MemcachedStoreUrlOptions,
} from "./options.ts";

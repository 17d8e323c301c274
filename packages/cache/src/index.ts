export { parseDuration } from "@kv/protocol";
export {
  type InvalidationBus,
  InvalidationBusError,
  type InvalidationListener,
  RedisInvalidationBus,
  type RedisInvalidationBusOptions,
  type RedisPublisher,
  type RedisSubscriber,
} from "./bus.ts";
export {
  type Cache,
  type CacheEntryOptions,
  type CacheOptions,
  createCache,
  type Factory,
  type FactoryContext,
  type GetOrSetOptions,
  type SetOptions,
  type StampedeProtection,
  type TieredCacheOptions,
  type WrapOptions,
} from "./cache.ts";
export {
  type Caches,
  type CachesOptions,
  type Container,
  type ContainerOptions,
  type CreateContainerOptions,
  createCaches,
  type ValueGenerator,
} from "./containers.ts";
export {
  CachedFactoryError,
  ContainerAlreadyConfiguredError,
  FactoryTimeoutError,
  LockTimeoutError,
  NotFoundError,
  UnknownContainerError,
} from "./errors.ts";
export type { CacheStatisticsSnapshot } from "./statistics.ts";
export { TieredStore, type TieredStoreOptions } from "./tiers.ts";

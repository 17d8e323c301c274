export {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  applyIncrements,
  COUNTER_FIELD,
  type ConditionalVersions,
  type CounterChange,
  type CounterOutcome,
  counterEntry,
  counterValue,
  countOf,
  type Incrementable,
  IncrementBatcher,
  type IncrementOptions,
  liveVersionToken,
  NotACounterError,
  nextCount,
  type PutIfAbsent,
  resolveIncrement,
  type Touchable,
  type TouchOptions,
  UpdateConflictError,
  type VersionedValue,
  versionWithExpiry,
} from "./atomic.ts";
export { BaseStore, type BaseStoreOptions, type ErrorContext } from "./base-store.ts";
export {
  afterPrefix,
  BaseWrapper,
  defaultCollectionOf,
  type ValueLocation,
} from "./base-wrapper.ts";
export { mapBounded } from "./bounded.ts";
export { withCollection } from "./call-options.ts";
export {
  atomicCapabilities,
  type Capabilities,
  type Capability,
  type CapabilityGuard,
  type CapabilityMethod,
  type CapabilityMethods,
  type Closable,
  type CollectionDestruction,
  type CollectionEnumeration,
  type CollectionsOptions,
  type Cullable,
  capabilityMethods,
  capabilityNames,
  DEFAULT_LIST_LIMIT,
  ENUMERATION_CAPABILITIES,
  type EntryAccess,
  type EnumerationCapability,
  isIdempotent,
  isKeyValue,
  type KeyEnumeration,
  type KeysOptions,
  OptionalCapabilities,
  offeredByAll,
  type StoreDestruction,
  supports,
  supportsClose,
  supportsCollections,
  supportsCull,
  supportsDestroy,
  supportsDestroyCollection,
  supportsEntries,
  supportsIncrement,
  supportsKeys,
  supportsPutIfAbsent,
  supportsTouch,
  supportsVersions,
  takeFirst,
} from "./capabilities.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { codeUnitAt } from "./code-units.ts";
export {
  compareAndSwap,
  incrementBySwap,
  insertBySwap,
  type SwapDecision,
  type SwapOptions,
  type SwapTarget,
} from "./compare-and-swap.ts";
export { parseDuration } from "./duration.ts";
export { hasNetworkErrorCode, mapStoreError, NETWORK_ERROR_CODES } from "./error-mapping.ts";
export {
  brandError,
  DeserializationError,
  defineError,
  type ErrorClass,
  type ErrorDefinition,
  hasErrorBrand,
  InvalidKeyError,
  InvalidTtlError,
  isTransientError,
  KeyValueError,
  type KeyValueErrorOptions,
  messageOf,
  type Operation,
  SerializationError,
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
  toStoreError,
} from "./errors.ts";
export { batches, deleteListedKeys } from "./iteration.ts";
export {
  type CollectionOptions,
  DEFAULT_COLLECTION,
  type Entry,
  type KeyValue,
  type PutOptions,
  type Ttl,
  type Value,
  type ValueWithTtl,
} from "./key-value.ts";
export {
  createEntry,
  deserializeEntry,
  type EntryDocument,
  type EntryLocation,
  formatTimestamp,
  fromEntryDocument,
  isExpired,
  type ManagedEntry,
  parseTimestamp,
  remainingTtl,
  type SerializeOptions,
  serializeEntry,
  toEntryDocument,
} from "./managed-entry.ts";
export type { MaybePromise } from "./maybe-promise.ts";
export { toPythonJson } from "./python-json.ts";
export { ReadBatcher } from "./read-batcher.ts";
export {
  type AtomicEntry,
  type StoreClass,
  type StoredVersion,
  storeWith,
} from "./store-with.ts";
export {
  type StoreOperationEvent,
  systemNameOf,
  TRACED_OPERATIONS,
  TRACING_CHANNEL_PREFIX,
  tracingChannelName,
} from "./tracing.ts";
export { type TypedKeyValue, typed } from "./typed.ts";
export { type UpdateOptions, updateWithRetry } from "./update-with-retry.ts";
export {
  MAX_TTL_SECONDS,
  MAX_VALUE_DEPTH,
  resolveTtl,
  targetCollection,
  validateCollection,
  validateEntry,
  validateKey,
  validateKeys,
  validateTtl,
  validateValue,
} from "./validation.ts";

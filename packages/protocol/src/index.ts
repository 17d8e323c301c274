export { BaseStore, type BaseStoreOptions, type ErrorContext } from "./base-store.ts";
export { BaseWrapper, defaultCollectionOf } from "./base-wrapper.ts";
export {
  type Closable,
  type CollectionDestruction,
  type CollectionEnumeration,
  type CollectionsOptions,
  type Cullable,
  DEFAULT_LIST_LIMIT,
  type KeyEnumeration,
  type KeysOptions,
  type StoreDestruction,
  supportsClose,
  supportsCollections,
  supportsCull,
  supportsDestroy,
  supportsDestroyCollection,
  supportsKeys,
  takeFirst,
} from "./capabilities.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export {
  brandError,
  DeserializationError,
  hasErrorBrand,
  InvalidKeyError,
  InvalidTtlError,
  KeyValueError,
  type KeyValueErrorOptions,
  messageOf,
  type Operation,
  SerializationError,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
  toStoreError,
} from "./errors.ts";
export {
  type CollectionOptions,
  DEFAULT_COLLECTION,
  type Entry,
  type KeyValue,
  type PutOptions,
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
export { toPythonJson } from "./python-json.ts";
export { validateCollection, validateKey, validateTtl, validateValue } from "./validation.ts";

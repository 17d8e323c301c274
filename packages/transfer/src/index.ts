export { clearStore } from "./clear-store.ts";
export { copyStore } from "./copy-store.ts";
export {
  MissingCapabilityError,
  ResumeKeyNotFoundError,
  type StoreRole,
  type TransferUtility,
} from "./errors.ts";
export type {
  ClearOptions,
  CollectionReport,
  CopyOptions,
  ResumePoint,
  SyncOptions,
  TransferOptions,
  TransferProgress,
  TransferReport,
} from "./options.ts";
export { syncStores } from "./sync-stores.ts";

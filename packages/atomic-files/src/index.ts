export {
  type Install,
  isStaleTemporary,
  isTemporaryName,
  type ReplaceOptions,
  replaceFile,
  syncDirectory,
  temporaryName,
  unlinkIfExists,
  type WriteOptions,
  writeAtomic,
  writeNewFile,
} from "./atomic-file.ts";
export { errorCode, isMissing, toFileStoreError } from "./file-errors.ts";
export { decodeName, encodeName, hashName, isEncodedName } from "./file-names.ts";
export { hostTag, isDeadProcess } from "./host.ts";
export {
  acquireLock,
  breakIfStale,
  type LockHolder,
  type LockPolicy,
  releaseLock,
  staleLockMs,
  withLock,
} from "./lock-directory.ts";
export { LockHeldError, type LockHeldFields } from "./lock-held-error.ts";
export { storeDirectory } from "./store-directory.ts";

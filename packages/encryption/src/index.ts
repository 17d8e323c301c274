export {
  type AesGcmEncryptionOptions,
  type EncryptionKey,
  EncryptionWrapper,
  type EncryptionWrapperOptions,
  type FernetDerivedOptions,
  type FernetKeysOptions,
} from "./encryption-wrapper.ts";
export { DecryptionError, EncryptionError } from "./errors.ts";

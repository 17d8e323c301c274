export { Base64BlobStore } from "./base64.ts";
export { BlobStoreDecorator, type BlobStoreDecoratorOptions, keyPatternOf } from "./decorator.ts";
export { BlobIntegrityError, ReadOnlyBlobStoreError } from "./errors.ts";
export { GeneratedKeysBlobStore, type GeneratedKeysBlobStoreOptions } from "./generated-keys.ts";
export { GzipBlobStore, type GzipBlobStoreOptions } from "./gzip.ts";
export { HmacBlobStore, type HmacBlobStoreOptions } from "./hmac.ts";
export { KeyValidatingBlobStore } from "./key-validating.ts";
export { PrefixBlobStore } from "./prefix.ts";
export { ReadOnlyBlobStore } from "./read-only.ts";
export { TextBlobStore, type TextBlobStoreOptions, type TextEncodingName } from "./text.ts";
export {
  UrlEncodedKeysBlobStore,
  type UrlEncodedKeysBlobStoreOptions,
} from "./url-encoded-keys.ts";

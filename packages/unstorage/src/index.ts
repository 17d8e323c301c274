export { type KvDriverOptions, kvDriver } from "./kv-driver.ts";
export { UNSTORAGE_VALUE_FIELD } from "./stored-text.ts";
export {
  type FromUnstorageOptions,
  fromUnstorage,
  type UnstorageStore,
} from "./unstorage-store.ts";

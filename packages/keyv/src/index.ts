export type {
  KeyvAdapter,
  KeyvAdapterOptions,
  KeyvAdapterSettings,
  KeyvEntry,
} from "./keyv-adapter.ts";
export { type FromKeyvOptions, fromKeyv, type KeyvStorageAdapter } from "./keyv-store.ts";
export { KEYV_VALUE_FIELD } from "./keyv-values.ts";
export { toKeyvStore } from "./to-keyv-store.ts";

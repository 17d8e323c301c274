export { MissingKeyError, type MissingKeyErrorOptions } from "./missing-key-error.ts";
export {
  RaiseOnMissingAdapter,
  type RaiseOnMissingAdapterOptions,
  type RaiseOnMissingReadOptions,
} from "./raise-on-missing-adapter.ts";
export { StoreAdapter } from "./store-adapter.ts";

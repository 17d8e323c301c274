import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/**
 * The store's options cannot work (a malformed `url`, a database index the server refuses,
 * conflicting or out-of-range options). Not transient: retrying cannot help.
 */
export interface StoreConfigurationError extends KeyValueError {
  readonly name: "StoreConfigurationError";
}
/**
 * The store's options cannot work (a malformed `url`, a database index the server refuses,
 * conflicting or out-of-range options). Not transient: retrying cannot help.
 */
export const StoreConfigurationError: ErrorClass<StoreConfigurationError> = defineError({
  name: "StoreConfigurationError",
  code: "STORE_CONFIGURATION",
  message: "The store's configuration cannot work",
  transient: false,
});

import { type Capability, defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/** Which store of a transfer an error is about. */
export type StoreRole = "source" | "destination" | "store";

/** The functions of this package, as errors name them. */
export type TransferUtility = "copyStore" | "syncStores" | "clearStore";

/** A transfer needs an optional capability (such as `keys`) that one of its stores does not offer. */
export interface MissingCapabilityError extends KeyValueError {
  readonly name: "MissingCapabilityError";
  /** The function that needs it. */
  readonly utility: TransferUtility;
  /** The capability needed. */
  readonly capability: Capability;
  /** The class name of the store lacking it. */
  readonly store: string;
  /** Which of the transfer's stores lacks it. */
  readonly role: StoreRole;
}
/** A transfer needs an optional capability (such as `keys`) that one of its stores does not offer. */
export const MissingCapabilityError: ErrorClass<
  MissingCapabilityError,
  { utility: TransferUtility; capability: Capability; store: string; role: StoreRole }
> = defineError({
  name: "MissingCapabilityError",
  code: "MISSING_CAPABILITY",
  fields: ["utility", "capability", "store", "role"],
  message: (o) =>
    `${o.utility} needs the "${o.capability}" capability, which its ${o.role} (${o.store}) does not offer`,
});

/**
 * The key a copy should resume after (`after`) is not in the source collection (it was deleted
 * or has expired since), so the place to resume from is unknown: copy the collection again
 * without `after` (writes are idempotent).
 */
export interface ResumeKeyNotFoundError extends KeyValueError {
  readonly name: "ResumeKeyNotFoundError";
}
/**
 * The key a copy should resume after (`after`) is not in the source collection (it was deleted
 * or has expired since), so the place to resume from is unknown: copy the collection again
 * without `after` (writes are idempotent).
 */
export const ResumeKeyNotFoundError: ErrorClass<ResumeKeyNotFoundError> = defineError({
  name: "ResumeKeyNotFoundError",
  code: "RESUME_KEY_NOT_FOUND",
  message: "The key to resume after is not in the source collection",
});

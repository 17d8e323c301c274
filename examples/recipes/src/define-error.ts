import assert from "node:assert/strict";
import { defineError, type ErrorClass, isTransientError, StoreError } from "@kv/protocol";

/** The backend refused a write over the account's quota. */
export interface QuotaError extends StoreError {
  readonly name: "QuotaError";
  readonly limit: number;
}
/** The backend refused a write over the account's quota. */
export const QuotaError: ErrorClass<QuotaError, { limit: number }> = defineError({
  name: "QuotaError",
  code: "QUOTA",
  parent: StoreError,
  fields: ["limit"],
  message: (options) => `Over the quota of ${options.limit} entries`,
});

const error = new QuotaError({ limit: 100, operation: "put", key: "u1" });
assert.ok(QuotaError.isInstance(error) && StoreError.isInstance(error));
assert.equal(error.limit, 100);
assert.equal(error.code, "QUOTA");
assert.equal(error.message, "Over the quota of 100 entries (operation: put, key: u1)");
assert.equal(isTransientError(error), false); // retrying will not help: not retried, no fallback

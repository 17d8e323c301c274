import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/** A read or listing was refused: the store is write-only. Not transient. */
export interface WriteOnlyError extends KeyValueError {
  readonly name: "WriteOnlyError";
}
/** A read or listing was refused: the store is write-only. Not transient. */
export const WriteOnlyError: ErrorClass<WriteOnlyError> = defineError({
  name: "WriteOnlyError",
  code: "WRITE_ONLY",
  message: "Read refused: the store is write-only",
});

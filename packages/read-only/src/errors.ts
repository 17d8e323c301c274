import { defineError, type ErrorClass, type KeyValueError } from "@kv/protocol";

/** A write, delete, destroy or cull was refused: the store is read-only. Not transient. */
export interface ReadOnlyError extends KeyValueError {
  readonly name: "ReadOnlyError";
}
/** A write, delete, destroy or cull was refused: the store is read-only. Not transient. */
export const ReadOnlyError: ErrorClass<ReadOnlyError> = defineError({
  name: "ReadOnlyError",
  code: "READ_ONLY",
  message: "Write refused: the store is read-only",
});

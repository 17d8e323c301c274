import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";
import type { $ZodIssue } from "zod/v4/core";

/** Options of `ValidationError`: the usual context plus zod's issues. */
export interface ValidationErrorOptions extends KeyValueErrorOptions {
  /** What zod found wrong, as reported by the schema. */
  issues: readonly $ZodIssue[];
}

/**
 * A value does not match the adapter's schema: input to `put`/`putMany` (nothing is written), or a
 * stored value read back by `get`/`getMany`/`ttl`/`ttlMany` (`operation` tells which).
 */
export interface ValidationError extends KeyValueError {
  readonly name: "ValidationError";
  /** What zod found wrong, with paths relative to the model. */
  readonly issues: readonly $ZodIssue[];
}
/**
 * A value does not match the adapter's schema: input to `put`/`putMany` (nothing is written), or a
 * stored value read back by `get`/`getMany`/`ttl`/`ttlMany` (`operation` tells which).
 */
export const ValidationError: ErrorClass<ValidationError, ValidationErrorOptions> = defineError({
  name: "ValidationError",
  code: "VALIDATION",
  fields: ["issues"],
  message: describeIssues,
});

const readOperations: ReadonlySet<string> = new Set(["get", "getMany", "ttl", "ttlMany"]);

function describeIssues({ issues, operation }: ValidationErrorOptions): string {
  const subject =
    operation !== undefined && readOperations.has(operation) ? "Stored value" : "Value";
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : "";
  return `${subject} does not match the schema: ${shown.join("; ")}${more}`;
}

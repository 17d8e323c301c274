import { defineError, type ErrorClass, type KeyValueError, type Operation } from "@kv/protocol";
import type { StandardSchemaV1 } from "@standard-schema/spec";

/**
 * A value does not match the adapter's schema: input to `put`/`putMany` (nothing is written), or a
 * stored value read back by `get`/`getMany`/`ttl`/`ttlMany` (`operation` tells which).
 */
export interface ValidationError extends KeyValueError {
  readonly name: "ValidationError";
  /** What the schema found wrong, as its library reported it, with paths relative to the model. */
  readonly issues: readonly StandardSchemaV1.Issue[];
}

/**
 * A value does not match the adapter's schema: input to `put`/`putMany` (nothing is written), or a
 * stored value read back by `get`/`getMany`/`ttl`/`ttlMany` (`operation` tells which). Its brand is
 * shared with `@kv/zod`'s `ValidationError`, so either `isInstance` recognises both.
 */
export const ValidationError: ErrorClass<
  ValidationError,
  { issues: readonly StandardSchemaV1.Issue[] }
> = defineError({
  name: "ValidationError",
  code: "VALIDATION",
  fields: ["issues"],
  message: describeIssues,
});

const readOperations: ReadonlySet<string> = new Set(["get", "getMany", "ttl", "ttlMany"]);

function describeIssues(options: {
  issues: readonly StandardSchemaV1.Issue[];
  operation?: Operation | undefined;
}): string {
  const subject =
    options.operation !== undefined && readOperations.has(options.operation)
      ? "Stored value"
      : "Value";
  return `${subject} does not match the schema: ${listIssues(options.issues)}`;
}

/** The first three issues with their paths (`a.b: message; ...`), and how many more there are. */
export function listIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) => String(typeof segment === "object" ? segment.key : segment))
      .join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : "";
  return `${shown.join("; ")}${more}`;
}

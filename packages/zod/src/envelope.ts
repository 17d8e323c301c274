import { type $ZodType, toJSONSchema } from "zod/v4/core";

/**
 * True when the schema's output is not always a JSON object, so each model is stored as
 * `{ "items": <model> }`. Mirrors py-key-value's rule: only an output whose JSON Schema has
 * `type: "object"` is stored as is. An output that may be `undefined`, whose shape zod cannot
 * describe (a bare transform, a custom type), or whose stored (input) form is some other type (a
 * codec from a string) is wrapped.
 */
export function needsEnvelope(schema: $ZodType): boolean {
  if (schema._zod.optout === "optional") return true;
  const typeOf = (io: "input" | "output"): unknown => {
    try {
      return toJSONSchema(schema, { io, unrepresentable: "any" }).type;
    } catch {
      return undefined;
    }
  };
  const input = typeOf("input");
  return typeOf("output") !== "object" || (input !== undefined && input !== "object");
}

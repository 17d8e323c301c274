import { type $ZodType, toJSONSchema } from "zod/v4/core";

/** The property that holds a model whose output is not a JSON object, as py-key-value names it. */
export const ENVELOPE_KEY = "items";

/**
 * True when the schema's output is not always a JSON object, so each model is stored as
 * `{ "items": <model> }`. Mirrors py-key-value's rule: only an output whose JSON Schema has
 * `type: "object"` is stored as is. An output that may be `undefined`, or whose shape zod cannot
 * describe (a bare transform, a custom type), is wrapped.
 */
export function needsEnvelope(schema: $ZodType): boolean {
  if (schema._zod.optout === "optional") return true;
  try {
    const jsonSchema = toJSONSchema(schema, { io: "output", unrepresentable: "any" });
    return jsonSchema.type !== "object";
  } catch {
    return true;
  }
}

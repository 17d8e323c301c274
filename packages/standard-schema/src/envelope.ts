import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";

/** The property that holds a model whose output is not a JSON object, as py-key-value names it. */
export const ENVELOPE_KEY = "items";

/**
 * Options some libraries need to describe a schema with parts JSON Schema cannot express (a
 * `Date`, a transform) instead of refusing the whole schema.
 */
const describeWhatYouCan: Readonly<Record<string, Record<string, unknown>>> = {
  zod: { unrepresentable: "any" },
  valibot: { errorMode: "ignore" },
};

/**
 * True when each model should be stored as `{ "items": <model> }`. Decided, as py-key-value does,
 * from the JSON Schema the schema gives of itself (Standard JSON Schema, `~standard.jsonSchema`):
 * stored as is only when its output has `type: "object"` and its input is not some other type.
 * A schema that cannot describe itself is taken to be an object model (`put` refuses any model
 * that is not one, pointing at the `wrapped` option).
 */
export function needsEnvelope(schema: StandardSchemaV1): boolean {
  const standard: Partial<StandardJSONSchemaV1.Props> = schema["~standard"];
  const converter = standard.jsonSchema;
  if (converter === undefined) return false;
  const options: StandardJSONSchemaV1.Options = {
    target: "draft-2020-12",
    libraryOptions: describeWhatYouCan[schema["~standard"].vendor],
  };
  const typeOf = (io: "input" | "output"): unknown => {
    try {
      return converter[io](options).type;
    } catch {
      return undefined;
    }
  };
  const input = typeOf("input");
  return typeOf("output") !== "object" || (input !== undefined && input !== "object");
}

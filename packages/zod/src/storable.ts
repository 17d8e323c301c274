import { SerializationError } from "@kv/protocol";
import { type $ZodType, toJSONSchema } from "zod/v4/core";

/** Schema types whose values JSON can never hold (`Date` is not one: it is stored as a string). */
const unstorable: ReadonlySet<string> = new Set([
  "bigint",
  "symbol",
  "map",
  "set",
  "function",
  "nan",
  "file",
]);

/**
 * Refuses a schema whose stored form (its input side: what a codec encodes to, what a transform
 * starts from) contains a type JSON cannot hold, naming the first such place. Found with zod's
 * own JSON Schema walk, so every kind of schema (lazy, pipes, unions ...) is covered.
 * @throws SerializationError naming the type and its path, such as `rows[].n`
 */
export function checkStorable(schema: $ZodType): void {
  let found: { type: string; path: readonly (string | number)[] } | undefined;
  try {
    toJSONSchema(schema, {
      io: "input",
      unrepresentable: "any",
      override: ({ zodSchema, path }) => {
        if (found === undefined && neverJson(zodSchema)) {
          found = { type: zodSchema._zod.def.type, path };
        }
      },
    });
  } catch {
    return;
  }
  if (found === undefined) return;
  throw new SerializationError({
    message: `Models of this schema cannot be stored as JSON: a ${found.type} at ${modelPath(found.path)} (give it a codec to a JSON type, such as z.codec(z.string(), z.bigint(), ...))`,
  });
}

function neverJson(schema: $ZodType): boolean {
  const def = schema._zod.def;
  if (unstorable.has(def.type)) return true;
  return (
    def.type === "literal" &&
    "values" in def &&
    Array.isArray(def.values) &&
    def.values.some((value) => typeof value === "bigint" || typeof value === "symbol")
  );
}

/** Turns a JSON Schema path (`properties`, `items` ...) into the model's path: `rows[].n`. */
function modelPath(path: readonly (string | number)[]): string {
  let text = "";
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    const next = path[index + 1];
    if (segment === "properties" && next !== undefined) {
      text += `${text === "" ? "" : "."}${next}`;
      index++;
    } else if (segment === "items") {
      text += "[]";
    } else if (segment === "prefixItems" && next !== undefined) {
      text += `[${next}]`;
      index++;
    } else if (segment === "additionalProperties") {
      text += `${text === "" ? "" : "."}*`;
    } else if (segment === "anyOf" || segment === "oneOf" || segment === "allOf") {
      index++;
    }
  }
  return text === "" ? "(the model)" : text;
}

import { type Value, validateValue } from "@kv/protocol";

/**
 * The one field of the object that holds a text unstorage hands over that is not the JSON of an
 * object: `{ "__unstorage_value__": "<text>" }`.
 */
export const UNSTORAGE_VALUE_FIELD = "__unstorage_value__";

/**
 * The JSON object stored for a text unstorage hands a driver: the object itself when the text is
 * exactly `JSON.stringify` of a plain object (what `setItem` makes of an object), otherwise
 * `{ "__unstorage_value__": text }`. Reading back with `toText` gives the same text, byte for byte.
 */
export function fromText(text: string): Value {
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isStorable(parsed) && !isWrapped(parsed) && JSON.stringify(parsed) === text) {
      return parsed;
    }
  }
  return { [UNSTORAGE_VALUE_FIELD]: text };
}

/** The text a stored object stands for: the reverse of `fromText`. */
export function toText(value: Value): string {
  return isWrapped(value) ? (value[UNSTORAGE_VALUE_FIELD] as string) : JSON.stringify(value);
}

function isWrapped(value: Value): boolean {
  let fields = 0;
  for (const _ in value) if (++fields > 1) return false;
  return fields === 1 && typeof value[UNSTORAGE_VALUE_FIELD] === "string";
}

/** A parsed JSON object the protocol accepts (not nested too deep). */
function isStorable(value: unknown): value is Value {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  try {
    validateValue(value);
    return true;
  } catch {
    return false;
  }
}

import { DeserializationError } from "@kv/protocol";

/**
 * Parses the JSON text of an entry file.
 * @throws DeserializationError when it is not JSON
 */
export function parseDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeserializationError({ message: "Entry file is not valid JSON", cause: error });
  }
}

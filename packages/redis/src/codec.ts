import {
  DeserializationError,
  formatTimestamp,
  fromEntryDocument,
  type ManagedEntry,
  parseTimestamp,
} from "@kv/protocol";

/**
 * A one-entry memo of a timestamp conversion: entries written together share their timestamps,
 * so bulk calls convert each distinct timestamp once instead of once per entry.
 */
class Memo<From, To> {
  private from: From | undefined;
  private to: To | undefined;
  private readonly convert: (input: From) => To;

  constructor(convert: (input: From) => To) {
    this.convert = convert;
  }

  get(input: From): To {
    if (this.to === undefined || input !== this.from) {
      this.to = this.convert(input);
      this.from = input;
    }
    return this.to;
  }
}

const createdText = new Memo(formatTimestamp);
const expiresText = new Memo(formatTimestamp);
const createdMs = new Memo(parseTimestamp);
const expiresMs = new Memo(parseTimestamp);

/**
 * The JSON document of an entry, byte for byte what `serializeEntry` of `@kv/protocol` writes
 * (py-key-value's sorted field order). `collectionJson` is `JSON.stringify(collection)`.
 */
export function encodeEntry(entry: ManagedEntry, collectionJson: string, key: string): string {
  let json = `{"collection":${collectionJson},`;
  if (entry.createdAt !== undefined) json += `"created_at":"${createdText.get(entry.createdAt)}",`;
  if (entry.expiresAt !== undefined) json += `"expires_at":"${expiresText.get(entry.expiresAt)}",`;
  return `${json}"key":${JSON.stringify(key)},"value":${JSON.stringify(entry.value)},"version":1}`;
}

/**
 * Reads an entry document, as `deserializeEntry` of `@kv/protocol` does.
 * @throws DeserializationError when the text is not an entry document
 */
export function decodeEntry(json: string): ManagedEntry {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
  const record = document as Record<string, unknown> | null;
  const value = record?.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fromEntryDocument(document);
  }
  const created = (record as Record<string, unknown>).created_at;
  const expires = (record as Record<string, unknown>).expires_at;
  return {
    value: value as ManagedEntry["value"],
    createdAt: created === undefined || created === null ? undefined : createdMs.get(created),
    expiresAt: expires === undefined || expires === null ? undefined : expiresMs.get(expires),
  };
}

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
const expiresMs = new Memo(parseTimestamp);

/** A read entry whose `createdAt` is parsed only if someone asks: reads never need it. */
class StoredEntry implements ManagedEntry {
  readonly value: ManagedEntry["value"];
  readonly expiresAt: number | undefined;
  private readonly created: unknown;

  constructor(value: ManagedEntry["value"], created: unknown, expiresAt: number | undefined) {
    this.value = value;
    this.created = created;
    this.expiresAt = expiresAt;
  }

  get createdAt(): number | undefined {
    const created = this.created;
    return created === undefined || created === null ? undefined : parseTimestamp(created);
  }
}

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
  const { created_at: created, expires_at: expires } = record as Record<string, unknown>;
  if (created !== undefined && created !== null && typeof created !== "string") {
    return fromEntryDocument(document);
  }
  return new StoredEntry(
    value as ManagedEntry["value"],
    created,
    expires === undefined || expires === null ? undefined : expiresMs.get(expires),
  );
}

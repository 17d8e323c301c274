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

const HEAD = '{"collection":';
const TAIL = ',"version":1}';
const VALUE = ',"value":';

/**
 * Reads an entry document, as `deserializeEntry` of `@kv/protocol` does.
 * @throws DeserializationError when the text is not an entry document
 */
export function decodeEntry(json: string): ManagedEntry {
  if (json.startsWith(HEAD) && json.endsWith(TAIL)) {
    const entry = decodeCompact(json);
    if (entry !== undefined) return entry;
  }
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
  const record = document as Record<string, unknown> | null;
  const value = record?.value;
  const created = record?.created_at;
  if (!isObject(value) || (created != null && typeof created !== "string")) {
    return fromEntryDocument(document);
  }
  const expires = (record as Record<string, unknown>).expires_at;
  return new StoredEntry(value, created, expires == null ? undefined : expiresMs.get(expires));
}

/**
 * Reads a document in the exact form `encodeEntry` writes by parsing only its value: the fields
 * before it are JSON strings, in which a quote is always escaped, so the first `,"value":` is the
 * value's. `undefined` when the text is in another form after all.
 */
function decodeCompact(json: string): ManagedEntry | undefined {
  const at = json.indexOf(VALUE);
  if (at === -1) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json.slice(at + VALUE.length, json.length - TAIL.length));
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const head = json.slice(0, at);
  const created = timestampField(head, ',"created_at":');
  const expires = timestampField(head, ',"expires_at":');
  if (created === null || expires === null) return undefined;
  return new StoredEntry(
    value,
    created,
    expires === undefined ? undefined : expiresMs.get(expires),
  );
}

/**
 * The text of a timestamp field in the head of a compact document: `undefined` when absent,
 * `null` when it is not a plain string (then the whole document is parsed instead).
 */
function timestampField(head: string, prefix: string): string | null | undefined {
  const start = head.indexOf(prefix);
  if (start === -1) return undefined;
  const from = start + prefix.length + 1;
  const end = head.indexOf('"', from);
  if (head[from - 1] !== '"' || end === -1 || head[end - 1] === "\\") return null;
  return head.slice(from, end);
}

function isObject(input: unknown): input is ManagedEntry["value"] {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

import {
  codeUnitAt,
  DeserializationError,
  fromEntryDocument,
  isExpired,
  type ManagedEntry,
  type Value,
} from "@kv/protocol";
import { codesOf, holds, memoFormat, stampLength, TimestampReader } from "./timestamps.ts";

const formatCreated = memoFormat();
const formatExpires = memoFormat();
/** The document up to the value for the timestamps last written: bulk writes share it. */
let head = "";
let headCreated: number | undefined = Number.NaN;
let headExpires: number | undefined = Number.NaN;

/**
 * The JSON text of an entry, byte for byte what `serializeEntry(entry)` writes (the database key
 * already names the collection and key), with timestamps memoized.
 */
export function encodeEntry(entry: ManagedEntry): string {
  const { createdAt, expiresAt } = entry;
  if (createdAt !== headCreated || expiresAt !== headExpires) {
    head = "{";
    if (createdAt !== undefined) head += `"created_at":"${formatCreated(createdAt)}",`;
    if (expiresAt !== undefined) head += `"expires_at":"${formatExpires(expiresAt)}",`;
    head += '"value":';
    headCreated = createdAt;
    headExpires = expiresAt;
  }
  return `${head}${JSON.stringify(entry.value)},"version":1}`;
}

const created = new TimestampReader();
const expires = new TimestampReader();

const createdMember = codesOf('{"created_at":"');
const expiresMember = codesOf('"expires_at":"');
const stampClose = codesOf('",');
const valueMember = codesOf('"value":{');
const ending = codesOf(',"version":1}');

/**
 * The entry of a document in exactly the layout `encodeEntry` writes, parsing only the value's
 * JSON; `undefined` for any other text. Text of that layout whose value slice parses as one
 * object can only be that document, so this reads what the full parse would.
 */
function decodeOwnLayout(text: string): ManagedEntry | undefined {
  let at = 1;
  let createdAt: number | undefined;
  let expiresAt: number | undefined;
  if (holds(text, createdMember, 0)) {
    createdAt = created.at(text, createdMember.length);
    at = createdMember.length + stampLength;
    if (Number.isNaN(createdAt) || !holds(text, stampClose, at)) return undefined;
    at += stampClose.length;
  } else if (codeUnitAt(text, 0) !== 123) {
    return undefined;
  }
  if (holds(text, expiresMember, at)) {
    expiresAt = expires.at(text, at + expiresMember.length);
    at += expiresMember.length + stampLength;
    if (Number.isNaN(expiresAt) || !holds(text, stampClose, at)) return undefined;
    at += stampClose.length;
  }
  if (!holds(text, valueMember, at) || !holds(text, ending, text.length - ending.length)) {
    return undefined;
  }
  const value = JSON.parse(text.slice(at + valueMember.length - 1, text.length - ending.length));
  return { value: value as Value, createdAt, expiresAt };
}

/**
 * Parses an entry's JSON text like `deserializeEntry`: documents in the layout this library
 * writes by parsing their value alone, anything else in full.
 * @throws DeserializationError when the text is not a valid entry document
 */
export function decodeEntry(text: string): ManagedEntry {
  try {
    const entry = decodeOwnLayout(text);
    if (entry !== undefined) return entry;
  } catch {
    // Not quite this library's layout after all: the full parse below says what is wrong.
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
  const record = document as { value?: unknown; created_at?: unknown; expires_at?: unknown };
  const value = record?.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fromEntryDocument(document);
  }
  return {
    value: value as Value,
    createdAt: created.read(record.created_at),
    expiresAt: expires.read(record.expires_at),
  };
}

/** True when a stored document has expired at `now`; unreadable documents count as live. */
export function isExpiredText(text: string, now: number): boolean {
  try {
    return isExpired(decodeEntry(text), now);
  } catch {
    return false;
  }
}

import {
  DeserializationError,
  formatTimestamp,
  fromEntryDocument,
  isExpired,
  type ManagedEntry,
  parseTimestamp,
  type Value,
} from "@kv/protocol";

/** Formats epoch ms like `formatTimestamp`, remembering the last answer (bulk writes share one). */
function memoFormat(): (epochMs: number) => string {
  let lastMs = Number.NaN;
  let lastText = "";
  return (epochMs) => {
    if (epochMs !== lastMs) {
      lastText = formatTimestamp(epochMs);
      lastMs = epochMs;
    }
    return lastText;
  };
}

const formatCreated = memoFormat();
const formatExpires = memoFormat();

/**
 * The JSON text of an entry, byte for byte what `serializeEntry(entry)` writes (the database key
 * already names the collection and key), with timestamps memoized.
 */
export function encodeEntry(entry: ManagedEntry): string {
  let json = "{";
  if (entry.createdAt !== undefined) json += `"created_at":"${formatCreated(entry.createdAt)}",`;
  if (entry.expiresAt !== undefined) json += `"expires_at":"${formatExpires(entry.expiresAt)}",`;
  return `${json}"value":${JSON.stringify(entry.value)},"version":1}`;
}

/** Reads `count` decimal digits at `start`, or -1 when any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let result = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    result = result * 10 + digit;
  }
  return result;
}

/** Epoch ms of a timestamp in the exact form this library writes (`…T05:04:57.123000+00:00`). */
function canonicalTimestamp(text: string): number | undefined {
  if (text.length !== 32 || !text.endsWith("000+00:00")) return undefined;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":") return undefined;
  if (text[16] !== ":" || text[19] !== ".") return undefined;
  const parts = [
    digits(text, 0, 4),
    digits(text, 5, 2),
    digits(text, 8, 2),
    digits(text, 11, 2),
    digits(text, 14, 2),
    digits(text, 17, 2),
    digits(text, 20, 3),
  ] as const;
  if (parts.includes(-1)) return undefined;
  const [year, month, day, hour, minute, second, millis] = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** Parses timestamps, remembering the last one (entries written by one bulk call share it). */
function memoParse(): (input: unknown) => number | undefined {
  let lastText = "";
  let lastMs = 0;
  return (input) => {
    if (input === undefined || input === null) return undefined;
    if (typeof input !== "string") return parseTimestamp(input);
    if (input === lastText) return lastMs;
    const epochMs = canonicalTimestamp(input) ?? parseTimestamp(input);
    lastText = input;
    lastMs = epochMs;
    return epochMs;
  };
}

const parseCreated = memoParse();
const parseExpires = memoParse();

/**
 * Parses an entry's JSON text like `deserializeEntry`, with a fast path for the timestamps this
 * library writes.
 * @throws DeserializationError when the text is not a valid entry document
 */
export function decodeEntry(text: string): ManagedEntry {
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
    createdAt: parseCreated(record.created_at),
    expiresAt: parseExpires(record.expires_at),
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

import { codeUnitAt } from "./code-units.ts";
import { DeserializationError } from "./errors.ts";
import type { Value } from "./key-value.ts";
import { toPythonJson } from "./python-json.ts";

/**
 * What a store holds for each key: the value plus its timestamps (milliseconds since the epoch).
 * `expiresAt` undefined means the entry never expires.
 */
export interface ManagedEntry {
  /** The stored value. */
  value: Value;
  /** When the entry was written, in epoch milliseconds, when known. */
  createdAt: number | undefined;
  /** When the entry expires, in epoch milliseconds; `undefined` never expires. */
  expiresAt: number | undefined;
}

/**
 * The JSON document form of a managed entry, shared with py-key-value.
 * Timestamps are ISO-8601 strings in UTC; absent ones are omitted.
 */
export interface EntryDocument {
  version: 1;
  key?: string;
  collection?: string;
  value: Value;
  created_at?: string;
  expires_at?: string;
}

/** Where an entry lives, written into its document so the document describes itself. */
export interface EntryLocation {
  /** The entry's key. */
  key?: string | undefined;
  /** The entry's collection. */
  collection?: string | undefined;
}

/** Builds an entry written at `now` (epoch ms) that expires after `ttl` seconds, if given. */
export function createEntry(value: Value, ttl: number | undefined, now: number): ManagedEntry {
  return { value, createdAt: now, expiresAt: ttl === undefined ? undefined : now + ttl * 1000 };
}

/** True when the entry has an expiry at or before `now` (epoch ms). */
export function isExpired(entry: Pick<ManagedEntry, "expiresAt">, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

/** The seconds left before the entry expires (never below 0), or `undefined` when it never does. */
export function remainingTtl(entry: ManagedEntry, now: number): number | undefined {
  return entry.expiresAt === undefined ? undefined : Math.max(0, (entry.expiresAt - now) / 1000);
}

/** Formats epoch milliseconds as py-key-value does: `2026-11-23T05:04:57.123000+00:00`. */
export function formatTimestamp(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}000+00:00`;
}

const isoTimestamp =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads an ISO-8601 timestamp (`Z`, `+00:00` or any offset; no offset means UTC), a `Date`,
 * or epoch milliseconds, as epoch milliseconds. Sub-millisecond digits are dropped.
 * @throws DeserializationError when it is none of those
 */
export function parseTimestamp(input: unknown): number {
  if (typeof input === "string") {
    const canonical = parseCanonicalTimestamp(input);
    if (canonical !== undefined) return canonical;
  }
  if (typeof input === "number" && Number.isFinite(input)) return input;
  if (input instanceof Date && !Number.isNaN(input.getTime())) return input.getTime();
  if (typeof input === "string") {
    const match = isoTimestamp.exec(input);
    if (match !== null) {
      const [, year, month, day, hour, minute, second, fraction = "", offset = "Z"] = match;
      const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
      const utc = Date.UTC(
        Number(year),
        Number(month) - 1,
        Number(day),
        Number(hour),
        Number(minute),
        Number(second),
        millis,
      );
      if (!Number.isNaN(utc)) return utc - offsetMinutes(offset) * 60_000;
    }
  }
  throw new DeserializationError({ message: `Invalid timestamp: ${String(input)}` });
}

/**
 * The fast path for the two forms written in practice: `2026-11-23T05:04:57.123000+00:00`
 * (py-key-value and this library) and `2026-11-23T05:04:57.123Z`; `undefined` for anything else.
 */
function parseCanonicalTimestamp(text: string): number | undefined {
  const isCanonical =
    (text.length === 32 ? text.endsWith("000+00:00") : text.length === 24 && text.endsWith("Z")) &&
    text[4] === "-" &&
    text[7] === "-" &&
    text[10] === "T" &&
    text[13] === ":" &&
    text[16] === ":" &&
    text[19] === ".";
  if (!isCanonical) return undefined;
  const number = (start: number, length: number): number => {
    let value = 0;
    for (let index = start; index < start + length; index++) {
      const digit = codeUnitAt(text, index) - 48;
      if (digit < 0 || digit > 9) return Number.NaN;
      value = value * 10 + digit;
    }
    return value;
  };
  const epoch = Date.UTC(
    number(0, 4),
    number(5, 2) - 1,
    number(8, 2),
    number(11, 2),
    number(14, 2),
    number(17, 2),
    number(20, 3),
  );
  return Number.isNaN(epoch) ? undefined : epoch;
}

function offsetMinutes(offset: string): number {
  if (offset === "Z") return 0;
  const digits = offset.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return offset.startsWith("-") ? -minutes : minutes;
}

/** Converts an entry to its document form (value as an object, timestamps as ISO strings). */
export function toEntryDocument(entry: ManagedEntry, location: EntryLocation = {}): EntryDocument {
  const document: EntryDocument = { version: 1, value: entry.value };
  if (location.key !== undefined) document.key = location.key;
  if (location.collection !== undefined) document.collection = location.collection;
  if (entry.createdAt !== undefined) document.created_at = formatTimestamp(entry.createdAt);
  if (entry.expiresAt !== undefined) document.expires_at = formatTimestamp(entry.expiresAt);
  return document;
}

/**
 * Reads an entry from its document form. `value` may be an object or a JSON string holding one;
 * timestamps may be ISO strings, `Date`s or epoch milliseconds; absent or null ones are undefined.
 * @throws DeserializationError when the document is malformed
 */
export function fromEntryDocument(document: unknown): ManagedEntry {
  if (!isPlainRecord(document)) {
    throw new DeserializationError({ message: "Entry document is not an object" });
  }
  let value = document.value;
  if (typeof value === "string") value = parseJson(value);
  if (!isPlainRecord(value)) {
    throw new DeserializationError({ message: "Entry value is not a JSON object" });
  }
  return {
    value,
    createdAt: optionalTimestamp(document.created_at),
    expiresAt: optionalTimestamp(document.expires_at),
  };
}

function optionalTimestamp(input: unknown): number | undefined {
  return input === undefined || input === null ? undefined : parseTimestamp(input);
}

/** How `serializeEntry` writes JSON. */
export interface SerializeOptions {
  /**
   * `"compact"`: `JSON.stringify` output with the fields in py-key-value's order (fast; Python
   * reads it). `"python"`: byte-identical to py-key-value's own output (`json.dumps` with sorted
   * keys, spaced separators, ASCII escapes). @default "compact"
   */
  style?: "compact" | "python" | undefined;
}

/**
 * Serializes an entry to the JSON document py-key-value stores. The value must already have
 * passed `validateValue`.
 */
export function serializeEntry(
  entry: ManagedEntry,
  location: EntryLocation = {},
  options: SerializeOptions = {},
): string {
  if (options.style === "python") return toPythonJson(toEntryDocument(entry, location));
  let json = "{";
  if (location.collection !== undefined)
    json += `"collection":${JSON.stringify(location.collection)},`;
  if (entry.createdAt !== undefined) json += `"created_at":"${formatTimestamp(entry.createdAt)}",`;
  if (entry.expiresAt !== undefined) json += `"expires_at":"${formatTimestamp(entry.expiresAt)}",`;
  if (location.key !== undefined) json += `"key":${JSON.stringify(location.key)},`;
  return `${json}"value":${JSON.stringify(entry.value)},"version":1}`;
}

/**
 * Parses the JSON text of an entry document.
 * @throws DeserializationError when the text is not a valid entry document
 */
export function deserializeEntry(json: string): ManagedEntry {
  return fromEntryDocument(parseJson(json));
}

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
}

/** True for a non-null object that is not an array (a JSON object after parsing). */
function isPlainRecord(input: unknown): input is Value {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

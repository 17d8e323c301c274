import { createHash } from "node:crypto";
import { MAX_OBJECT_KEY_BYTES } from "./client.ts";

/**
 * The longest `/`-separated part of an object key the store writes, in UTF-8 bytes: the name
 * limit of file-system-backed S3 servers (SeaweedFS, MinIO); AWS itself has none.
 */
export const MAX_SEGMENT_BYTES = 255;

/** Marks a name stored as a hash: `%` is always escaped otherwise, so no plain name has it. */
export const HASH_MARK = "%~";
const HASHED_VISIBLE_BYTES = 100;

/**
 * True for a character escaped as `%XX`: `%` itself (so every name decodes exactly), control
 * characters (NUL and friends, which S3 listings cannot carry), `\` (which some servers turn
 * into `/`), and `/` where asked.
 */
function isEscaped(character: string, slashes: boolean): boolean {
  const code = character.charCodeAt(0);
  return (
    code < 0x20 ||
    code === 0x7f ||
    character === "%" ||
    character === "\\" ||
    (slashes && character === "/")
  );
}

function percent(character: string): string {
  return `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

/** The name with its escaped characters as `%XX`, and a whole `.` or `..` escaped too. */
function escapeName(name: string, slashes: boolean): string {
  let escaped = "";
  for (const character of name) {
    escaped += isEscaped(character, slashes) ? percent(character) : character;
  }
  return escaped === "." || escaped === ".." ? escaped.replace(/\./g, percent) : escaped;
}

function hashed(name: string): string {
  const visible = truncateEscaped(escapeName(name, true), HASHED_VISIBLE_BYTES);
  return `${visible}${HASH_MARK}${createHash("sha256").update(name).digest("hex")}`;
}

/** The start of an escaped name within `maxBytes`, never cutting a `%XX` or a character. */
function truncateEscaped(escaped: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const part of escaped.match(/%[0-9A-F]{2}|[\s\S]/gu) ?? []) {
    bytes += Buffer.byteLength(part);
    if (bytes > maxBytes) break;
    end += part.length;
  }
  return escaped.slice(0, end);
}

function fitsSegments(text: string): boolean {
  return text.split("/").every((segment) => Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES);
}

/**
 * The part of the object key naming a collection: the name itself (py-key-value's layout) with
 * `/` and the characters above escaped as `%XX`, or, over 255 bytes, a hashed form (its first
 * 100 bytes, `%~`, and the SHA-256 of the name).
 */
export function collectionSegment(collection: string): string {
  const escaped = escapeName(collection, true);
  return Buffer.byteLength(escaped) <= MAX_SEGMENT_BYTES ? escaped : hashed(collection);
}

/**
 * The part of the object key naming a key (after `<collection>/`): the key itself, keeping its
 * `/` unless it has an empty, `.` or `..` part (then every `/` is escaped), or a hashed form
 * when a part exceeds 255 bytes or the whole object key 1 024.
 */
export function keyPart(key: string, keyStart: string): string {
  const parts = key.split("/");
  const flat = parts.some((part) => part === "" || part === "." || part === "..");
  const escaped = escapeName(key, flat);
  const fits =
    fitsSegments(escaped) &&
    Buffer.byteLength(keyStart) + Buffer.byteLength(escaped) <= MAX_OBJECT_KEY_BYTES;
  return fits ? escaped : hashed(key);
}

/** True when a stored name is a hashed form, whose real name is in the object's document. */
export function isHashed(stored: string): boolean {
  return stored.includes(HASH_MARK);
}

/** The name a stored (not hashed) name stands for: every `%XX` decoded. */
export function decodeName(stored: string): string {
  return stored.replace(/%([0-9A-F]{2})/g, (_match, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

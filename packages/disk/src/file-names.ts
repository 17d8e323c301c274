import { createHash } from "node:crypto";

/** Encoded names longer than this are replaced by a readable prefix and a SHA-256 of the name. */
const maxPlainLength = 200;
const hashedPrefixLength = 64;
/** Characters encodeURIComponent keeps that a file name must not: upper case, `.` and `!~*'()`. */
const escapes = /%[0-9A-F]{2}|[A-Z.!~*'()]/g;
/** Device names Windows reserves whatever the extension. */
const reserved = /^(?:con|prn|aux|nul|com\d|lpt\d)$/;
const hashedName = /^[a-z0-9_%-]*\+[0-9a-f]{64}$/;
/** What an entry's file name ends with. */
export const entrySuffix = ".json";

function escapeChar(match: string): string {
  if (match.length === 3) return match.toLowerCase();
  return `%${match.charCodeAt(0).toString(16)}`;
}

/** The SHA-256 of a name's UTF-8 bytes, in hex. */
export function hashName(name: string): string {
  return createHash("sha256").update(name, "utf8").digest("hex");
}

/**
 * Encodes a key or collection name as a file name, injectively: `a-z`, `0-9`, `_` and `-` stay,
 * every other character becomes `%xx` per UTF-8 byte (lower-case hex, so no two names differ only
 * in case), and Windows device names get their last letter escaped. Names whose encoding exceeds
 * 200 characters become `<prefix>+<sha256>`; `+` never appears otherwise.
 */
export function encodeName(name: string): string {
  let encoded = encodeURIComponent(name).replace(escapes, escapeChar);
  if (reserved.test(encoded)) {
    encoded = `${encoded.slice(0, -1)}%${encoded.charCodeAt(encoded.length - 1).toString(16)}`;
  }
  if (encoded.length <= maxPlainLength) return encoded;
  const prefix = encoded.slice(0, hashedPrefixLength).replace(/%[0-9a-f]?$/, "");
  return `${prefix}+${hashName(name)}`;
}

/**
 * The name a file name was encoded from; `undefined` for a hashed name (the entry file holds it)
 * and for any file name `encodeName` would not have produced.
 */
export function decodeName(fileName: string): string | undefined {
  if (fileName.length === 0 || fileName.includes("+")) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(fileName);
  } catch {
    return undefined;
  }
  return encodeName(name) === fileName ? name : undefined;
}

/** True for a file or directory name `encodeName` can produce. */
export function isEncodedName(fileName: string): boolean {
  return hashedName.test(fileName) || decodeName(fileName) !== undefined;
}

/** The hashed fan-out directories of a key: `levels` segments of two hex digits. */
export function fanOutSegments(key: string, levels: number): string[] {
  if (levels === 0) return [];
  const hash = hashName(key);
  return Array.from({ length: levels }, (_, level) => hash.slice(level * 2, level * 2 + 2));
}

/** True for a fan-out directory name. */
export function isFanOutSegment(name: string): boolean {
  return /^[0-9a-f]{2}$/.test(name);
}

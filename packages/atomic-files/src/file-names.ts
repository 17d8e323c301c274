import { createHash } from "node:crypto";

/** Encodings longer than this become a readable prefix, `+` and a SHA-256 of the name. */
const maxPlainLength = 200;
const hashedPrefixLength = 64;
/** What `encodeURIComponent` leaves that a file name must not keep: upper case, `.`, `!~*'()`. */
const escaped = /%[0-9A-F]{2}|[A-Z.!~*'()]/g;
/** Device names Windows reserves whatever the extension. */
const windowsDevice = /^(?:con|prn|aux|nul|com\d|lpt\d)$/;
const hashedName = /^[a-z0-9_%-]*\+[0-9a-f]{64}$/;

function lowerEscape(match: string): string {
  return match.length === 3 ? match.toLowerCase() : `%${match.charCodeAt(0).toString(16)}`;
}

/** The SHA-256 of a name's UTF-8 bytes, in hex. */
export function hashName(name: string): string {
  return createHash("sha256").update(name, "utf8").digest("hex");
}

/**
 * Encodes any string as a file name, injectively: `a-z`, `0-9`, `_` and `-` stay, every other
 * character becomes `%xx` per UTF-8 byte in lower-case hex (so no two names differ only in case,
 * and case-insensitive file systems keep them apart), a Windows device name gets its last letter
 * escaped, and an encoding over 200 characters becomes `<first 64>+<sha256 of the name>` (`+`
 * appears in no other encoding).
 */
export function encodeName(name: string): string {
  let encoded = encodeURIComponent(name).replace(escaped, lowerEscape);
  if (windowsDevice.test(encoded)) {
    encoded = `${encoded.slice(0, -1)}%${encoded.charCodeAt(encoded.length - 1).toString(16)}`;
  }
  if (encoded.length <= maxPlainLength) return encoded;
  const prefix = encoded.slice(0, hashedPrefixLength).replace(/%[0-9a-f]?$/, "");
  return `${prefix}+${hashName(name)}`;
}

/**
 * The string a file name encodes; `undefined` for a hashed name (keep the name itself in the
 * file) and for any file name `encodeName` would not produce.
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

/** True for a file name `encodeName` can produce, hashed ones included. */
export function isEncodedName(fileName: string): boolean {
  return hashedName.test(fileName) || decodeName(fileName) !== undefined;
}

import { createHash } from "node:crypto";

/** What a collection's file name ends with. */
export const fileSuffix = ".json";
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

/**
 * The file name stem of a collection, injective: `a-z`, `0-9`, `_` and `-` stay, every other
 * character becomes `%xx` per UTF-8 byte in lower-case hex (so names differing only in case stay
 * apart on case-insensitive file systems), a Windows device name gets its last letter escaped,
 * and an encoding over 200 characters becomes `<first 64>+<sha256 of the name>`.
 */
export function encodeCollection(collection: string): string {
  let encoded = encodeURIComponent(collection).replace(escaped, lowerEscape);
  if (windowsDevice.test(encoded)) {
    const last = encoded.charCodeAt(encoded.length - 1).toString(16);
    encoded = `${encoded.slice(0, -1)}%${last}`;
  }
  if (encoded.length <= maxPlainLength) return encoded;
  const prefix = encoded.slice(0, hashedPrefixLength).replace(/%[0-9a-f]?$/, "");
  const digest = createHash("sha256").update(collection, "utf8").digest("hex");
  return `${prefix}+${digest}`;
}

/**
 * The collection a file name stem encodes; `undefined` for a hashed stem (the file's own
 * `collection` field names it) and for any stem `encodeCollection` would not produce.
 */
export function decodeCollection(stem: string): string | undefined {
  if (stem.length === 0 || stem.includes("+")) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(stem);
  } catch {
    return undefined;
  }
  return encodeCollection(name) === stem ? name : undefined;
}

/** The stem of a collection file's name, or `undefined` for any other name. */
export function collectionStem(fileName: string): string | undefined {
  if (!fileName.endsWith(fileSuffix)) return undefined;
  const stem = fileName.slice(0, -fileSuffix.length);
  return hashedName.test(stem) || decodeCollection(stem) !== undefined ? stem : undefined;
}

import { createHash } from "node:crypto";

/** The longest MongoDB collection name the store makes, by default, in UTF-8 bytes. */
export const DEFAULT_MAX_COLLECTION_NAME_BYTES = 120;
/** The shortest limit that still leaves room for a hashed name's digest and some of the name. */
export const MIN_MAX_COLLECTION_NAME_BYTES = 80;
/** MongoDB's limit for a whole namespace (`database.collection`), which no collection name can pass. */
export const MAX_MAX_COLLECTION_NAME_BYTES = 255;

/** Marks a hashed name: it never occurs in a plain or percent-encoded one. */
const HASH_MARK = "%%";
const DIGEST_LENGTH = 64;
/** `%` (the escape), `$` and NUL (which MongoDB refuses), and the other control characters. */
const escaped = /[%$\p{Cc}]/gu;
const needsEscape = /[%$\p{Cc}]|^\.|^system\./u;
const escapeSequence = /%([0-9A-F]{2})/g;

/**
 * Maps a collection name to a MongoDB collection name, injectively. Names MongoDB accepts are
 * kept as they are (so py-key-value's default layout is shared). Otherwise `%`, `$`, control
 * characters, a leading `.` and the `s` of a leading `system.` become `%XX`. A result longer than
 * `maxBytes` UTF-8 bytes becomes its first characters, `%%` and the SHA-256 hex digest of the name.
 */
export function toMongoName(collection: string, maxBytes: number): string {
  const encoded = needsEscape.test(collection) ? escapeName(collection) : collection;
  if (Buffer.byteLength(encoded, "utf8") <= maxBytes) return encoded;
  const digest = createHash("sha256").update(collection, "utf8").digest("hex");
  return truncateUtf8(encoded, maxBytes - HASH_MARK.length - DIGEST_LENGTH) + HASH_MARK + digest;
}

/**
 * The collection name a MongoDB collection name stands for, or `undefined` when it is hashed
 * (its documents' `collection` field says) or not a name `toMongoName` makes.
 */
export function fromMongoName(name: string, maxBytes: number): string | undefined {
  if (isHashedName(name)) return undefined;
  const collection = name.includes("%")
    ? name.replace(escapeSequence, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      )
    : name;
  return toMongoName(collection, maxBytes) === name ? collection : undefined;
}

function escapeName(collection: string): string {
  let encoded = collection.replace(escaped, percentEncode);
  if (encoded.startsWith(".")) encoded = `%2E${encoded.slice(1)}`;
  else if (encoded.startsWith("system.")) encoded = `%73${encoded.slice(1)}`;
  return encoded;
}

function percentEncode(character: string): string {
  return `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end);
}

/** True for a name `toMongoName` shortened with a digest. */
export function isHashedName(name: string): boolean {
  return name.includes(HASH_MARK);
}

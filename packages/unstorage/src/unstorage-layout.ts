/**
 * Where `fromUnstorage` keeps an entry: `<collection>:@:<key>`, each name encoded so that it holds
 * none of the characters unstorage rewrites (`/`, `\`, `:`, `?`), no `.` or `..` segment, no `$`
 * at the end (unstorage's meta suffix) and no `@` segment, then cut into `:`-separated segments
 * of at most `SEGMENT_BYTES` UTF-8 bytes (a file name per segment with the fs driver).
 */
export const SEGMENT_BYTES = 200;

const SEPARATOR = "@";
const plain = /^[A-Za-z0-9_-]$/;

/** A name as unstorage key segments: ASCII other than `[A-Za-z0-9_-]` as `%XX`, the rest kept. */
export function encodeName(name: string): string {
  const segments: string[] = [];
  let segment = "";
  let bytes = 0;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    const piece =
      code >= 0x80 || plain.test(char)
        ? char
        : `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
    const size = code < 0x80 ? piece.length : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > SEGMENT_BYTES) {
      segments.push(segment);
      segment = "";
      bytes = 0;
    }
    segment += piece;
    bytes += size;
  }
  segments.push(segment);
  return segments.join(":");
}

/** The name an encoded one stands for (segments joined, escapes decoded). */
export function decodeName(encoded: string): string {
  return encoded
    .split(":")
    .join("")
    .replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The unstorage base (`getKeys`/`clear`) that holds one collection's entries. */
export function collectionBase(collection: string): string {
  return `${encodeName(collection)}:${SEPARATOR}:`;
}

/** The unstorage key of an entry. */
export function itemKey(collection: string, key: string): string {
  return `${collectionBase(collection)}${encodeName(key)}`;
}

/** The collection and key of an unstorage key of this layout, or `undefined` for any other key. */
export function parseItemKey(item: string): [collection: string, key: string] | undefined {
  const separator = `:${SEPARATOR}:`;
  const at = item.indexOf(separator);
  if (at <= 0 || at + separator.length >= item.length) return undefined;
  return [decodeName(item.slice(0, at)), decodeName(item.slice(at + separator.length))];
}

/**
 * How collection and key names become parts of blob keys: every UTF-8 byte outside
 * `A-Z a-z 0-9 - _` is written as `%XX` (upper-case hex). The result uses only letters, digits,
 * `-`, `_` and `%`, all in simplekv's key set, so it is a valid blob key on every store, never
 * holds the separator, and is never `.`, `..` or a hidden file name on a file system.
 */
export function encodeName(name: string): string {
  let encoded = "";
  for (const byte of Buffer.from(name, "utf8")) {
    encoded += isPlain(byte) ? String.fromCharCode(byte) : `%${HEX[byte]}`;
  }
  return encoded;
}

/** The name an encoded part stands for, or `undefined` when the text was not written by `encodeName`. */
export function decodeName(encoded: string): string | undefined {
  if (!ENCODED.test(encoded)) return undefined;
  const name = Buffer.from(encoded.replace(/%([0-9A-F]{2})/g, byteChar), "latin1").toString("utf8");
  return encodeName(name) === encoded ? name : undefined;
}

const HEX = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).toUpperCase().padStart(2, "0"),
);
const ENCODED = /^(?:[0-9A-Za-z_-]|%[0-9A-F]{2})+$/;

function isPlain(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x2d ||
    byte === 0x5f
  );
}

function byteChar(_match: string, hex: string): string {
  return String.fromCharCode(Number.parseInt(hex, 16));
}

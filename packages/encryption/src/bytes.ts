const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The UTF-8 bytes of a string. */
export function utf8Bytes(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** The string UTF-8 bytes encode. @throws TypeError when they are not valid UTF-8 */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The bytes one after another. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Each byte as the character of the same code, the form `btoa` takes and `atob` gives. */
export function binaryString(bytes: Uint8Array): string {
  const buffer = nodeBuffer();
  if (buffer !== undefined) return buffer.from(bytes).toString("latin1");
  let text = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return text;
}

interface NodeBuffer {
  from(bytes: Uint8Array): { toString(encoding: "base64" | "latin1"): string };
  from(text: string, encoding: "base64"): Uint8Array;
}

/** Node's `Buffer` where the runtime has one (its base64 is the fastest), looked up on use. */
function nodeBuffer(): NodeBuffer | undefined {
  return (globalThis as { Buffer?: NodeBuffer }).Buffer;
}

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  const buffer = nodeBuffer();
  if (buffer !== undefined) return buffer.from(bytes).toString("base64");
  return btoa(binaryString(bytes));
}

/** URL-safe base64 with padding (the alphabet of Fernet tokens and keys). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_");
}

/**
 * The bytes of base64 text in either alphabet (standard or URL-safe), padded or not.
 * @throws Error when the text is not base64 (where Node's `Buffer` decodes it, it skips such characters, as before)
 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const buffer = nodeBuffer();
  if (buffer !== undefined) return new Uint8Array(buffer.from(text, "base64"));
  const standard = text.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, "");
  if (standard.length % 4 === 1 || !/^[A-Za-z0-9+/]*$/.test(standard)) {
    throw new Error("The text is not base64");
  }
  const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, "="));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** A key of the Web Crypto API (`globalThis.crypto.subtle`). */
export type WebCryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;

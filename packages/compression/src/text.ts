const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

interface NodeBuffer {
  from(bytes: Uint8Array): { toString(encoding: "base64"): string };
  from(text: string, encoding: "base64"): Uint8Array;
}

/** Node's `Buffer` where the runtime has one (its base64 is the fastest), looked up on use. */
function nodeBuffer(): NodeBuffer | undefined {
  return (globalThis as { Buffer?: NodeBuffer }).Buffer;
}

/** The UTF-8 bytes of a string. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The string UTF-8 bytes encode. @throws TypeError when they are not valid UTF-8 */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  const buffer = nodeBuffer();
  if (buffer !== undefined) return buffer.from(bytes).toString("base64");
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

/** The bytes of base64 text. @throws Error when the text is not base64 (outside Node) */
export function fromBase64(text: string): Uint8Array {
  const buffer = nodeBuffer();
  if (buffer !== undefined) return buffer.from(text, "base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

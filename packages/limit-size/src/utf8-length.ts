import { codeUnitAt } from "@kv/protocol";

/**
 * How many bytes the UTF-8 encoding of a string takes (a lone surrogate counts as the three
 * bytes of U+FFFD, which encoders write in its place), without encoding it.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = codeUnitAt(text, index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && isLowSurrogate(codeUnitAt(text, index + 1))) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code < 0xe000;
}

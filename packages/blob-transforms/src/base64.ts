import type { Readable } from "node:stream";
import { DeserializationError } from "@kv/protocol";
import { BlobStoreDecorator } from "./decorator.ts";

/**
 * Stores every blob as its standard base64 text (RFC 4648, padded, no line breaks), for stores
 * that keep text only, encoding and decoding as the bytes stream through. Reading text that is
 * not base64 throws `DeserializationError`. No `urlFor`: the inner URL would serve the text.
 */
export class Base64BlobStore extends BlobStoreDecorator {
  protected override get passesBytes(): boolean {
    return false;
  }

  protected override async *encodeChunks(
    _key: string,
    chunks: AsyncIterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    let carry = Buffer.alloc(0);
    for await (const chunk of chunks) {
      const bytes = carry.length === 0 ? Buffer.from(chunk) : Buffer.concat([carry, chunk]);
      const whole = bytes.length - (bytes.length % 3);
      carry = Buffer.from(bytes.subarray(whole));
      if (whole > 0) yield Buffer.from(bytes.subarray(0, whole).toString("base64"), "latin1");
    }
    if (carry.length > 0) yield Buffer.from(carry.toString("base64"), "latin1");
  }

  protected override async *decodeChunks(key: string, stored: Readable): AsyncIterable<Uint8Array> {
    let carry = "";
    let ended = false;
    for await (const chunk of stored as AsyncIterable<Uint8Array>) {
      const text = carry + Buffer.from(chunk).toString("latin1");
      const whole = text.length - (text.length % 4);
      carry = text.slice(whole);
      if (whole === 0) continue;
      if (ended) throw notBase64(key);
      const quad = text.slice(0, whole);
      ended = quad.endsWith("=");
      yield decode(key, quad);
    }
    if (carry !== "") throw notBase64(key);
  }

  protected override encodeBytes(_key: string, bytes: Uint8Array): Uint8Array {
    return Buffer.from(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
      "latin1",
    );
  }

  protected override decodeBytes(key: string, stored: Uint8Array): Uint8Array {
    const text = Buffer.from(stored).toString("latin1");
    if (text.length % 4 !== 0) throw notBase64(key);
    return decode(key, text);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(key: string, text: string): Buffer {
  if (!BASE64.test(text)) throw notBase64(key);
  return Buffer.from(text, "base64");
}

function notBase64(key: string): DeserializationError {
  return new DeserializationError({
    operation: "get",
    key,
    message: "The stored blob is not base64 text",
  });
}

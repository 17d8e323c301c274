import { createHmac, type Hmac, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import type { BlobStore } from "@kv/blob";
import { BlobStoreDecorator, type BlobStoreDecoratorOptions } from "./decorator.ts";
import { BlobIntegrityError } from "./errors.ts";

/** Options of `HmacBlobStore`. */
export interface HmacBlobStoreOptions extends BlobStoreDecoratorOptions {
  /** The secret key of the HMAC (at least 16 bytes; a string is taken as UTF-8). */
  secret: string | Uint8Array;
}

/** Bytes of an HMAC-SHA256 tag. */
const TAG_BYTES = 32;

/**
 * Signs every blob (simplekv's `HMACDecorator`): the inner store holds the data followed by the
 * 32-byte HMAC-SHA256, with the secret, of the key's length (4 bytes, big-endian), the key (UTF-8)
 * and the data. Reading a blob that was changed, signed with another secret or stored under
 * another key throws `BlobIntegrityError`.
 *
 * `get`/`tryGet`/`getFile` verify before returning. `open` streams the data as it arrives but
 * holds back its last byte and the tag until the tag is checked: a tampered blob's stream fails
 * with `BlobIntegrityError` instead of ending, so a reader that waits for the end (`pipeline`,
 * `for await`) never takes tampered data as whole; bytes seen before the end are not yet verified.
 * No `urlFor`: the inner URL would serve the tag with the data.
 */
export class HmacBlobStore extends BlobStoreDecorator {
  readonly #secret: Uint8Array;

  /** @throws RangeError for a secret shorter than 16 bytes */
  constructor(inner: BlobStore, options: HmacBlobStoreOptions) {
    super(inner, options);
    const secret =
      typeof options.secret === "string"
        ? Buffer.from(options.secret, "utf8")
        : Buffer.from(options.secret);
    if (secret.length < 16) throw new RangeError("An HMAC secret needs at least 16 bytes");
    this.#secret = secret;
  }

  protected override get passesBytes(): boolean {
    return false;
  }

  protected override async *encodeChunks(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    const hmac = this.#hmac(key);
    for await (const chunk of chunks) {
      hmac.update(chunk);
      yield chunk;
    }
    yield hmac.digest();
  }

  protected override async *decodeChunks(key: string, stored: Readable): AsyncIterable<Uint8Array> {
    const hmac = this.#hmac(key);
    let pending = Buffer.alloc(0);
    for await (const chunk of stored as AsyncIterable<Uint8Array>) {
      pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
      const ready = pending.length - TAG_BYTES - 1;
      if (ready <= 0) continue;
      const data = pending.subarray(0, ready);
      hmac.update(data);
      pending = Buffer.from(pending.subarray(ready));
      yield data;
    }
    const last = this.#verified(key, hmac, pending);
    if (last.length > 0) yield last;
  }

  protected override encodeBytes(key: string, bytes: Uint8Array): Uint8Array {
    return Buffer.concat([bytes, this.#hmac(key).update(bytes).digest()]);
  }

  protected override decodeBytes(key: string, stored: Uint8Array): Uint8Array {
    return this.#verified(key, this.#hmac(key), Buffer.from(stored));
  }

  #hmac(key: string): Hmac {
    const name = Buffer.from(key, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(name.length);
    return createHmac("sha256", this.#secret).update(length).update(name);
  }

  /** The data of the stored tail once its tag checks out. @throws BlobIntegrityError */
  #verified(key: string, hmac: Hmac, tail: Buffer): Buffer {
    if (tail.length < TAG_BYTES)
      throw integrityError(key, "The stored blob is shorter than its HMAC");
    const data = tail.subarray(0, tail.length - TAG_BYTES);
    const expected = hmac.update(data).digest();
    if (!timingSafeEqual(expected, tail.subarray(tail.length - TAG_BYTES))) {
      throw integrityError(key, "The blob's HMAC does not match its key and data");
    }
    return data;
  }
}

function integrityError(key: string, message: string): BlobIntegrityError {
  return new BlobIntegrityError({ operation: "get", key, message });
}

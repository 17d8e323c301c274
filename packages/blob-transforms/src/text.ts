import type { BlobPutOptions, BlobStore } from "@kv/blob";
import { DeserializationError, SerializationError } from "@kv/protocol";
import { BlobStoreDecorator, type BlobStoreDecoratorOptions } from "./decorator.ts";

/** The text encodings `TextBlobStore` stores. */
export type TextEncodingName = "utf-8" | "utf-16le" | "latin1";

/** Options of `TextBlobStore`. */
export interface TextBlobStoreOptions extends BlobStoreDecoratorOptions {
  /** How strings are stored as bytes. @default "utf-8" */
  encoding?: TextEncodingName | undefined;
}

/**
 * Strings in, bytes stored (the object-storage package's text-encoding transform): `putText`
 * stores a string in the chosen encoding, `getText`/`tryGetText`/`iterateText` read it back. The
 * byte methods pass through unchanged, so `urlFor` is forwarded.
 */
export class TextBlobStore extends BlobStoreDecorator {
  /** The encoding strings are stored in. */
  readonly encoding: TextEncodingName;

  /** @throws RangeError for an encoding other than utf-8, utf-16le and latin1 */
  constructor(inner: BlobStore, options: TextBlobStoreOptions = {}) {
    super(inner, options);
    const encoding = options.encoding ?? "utf-8";
    if (!["utf-8", "utf-16le", "latin1"].includes(encoding)) {
      throw new RangeError(`encoding must be utf-8, utf-16le or latin1, got ${String(encoding)}`);
    }
    this.encoding = encoding;
  }

  /**
   * Stores `text` in the store's encoding.
   * @throws SerializationError when `text` is not a string or has characters latin1 cannot hold;
   * what `put` throws
   */
  async putText(key: string, text: string, options?: BlobPutOptions): Promise<void> {
    if (typeof text !== "string") {
      throw new SerializationError({ operation: "put", key, message: "putText needs a string" });
    }
    if (this.encoding === "latin1" && /[\u0100-\uffff]/.test(text)) {
      throw new SerializationError({
        operation: "put",
        key,
        message: "The text has characters latin1 cannot hold",
      });
    }
    await this.put(
      key,
      Buffer.from(text, this.encoding === "utf-8" ? "utf8" : this.encoding),
      options,
    );
  }

  /**
   * The blob as text.
   * @throws MissingKeyError, DeserializationError when the bytes are not valid in the encoding; what `get` throws
   */
  async getText(key: string): Promise<string> {
    return this.#decode(key, await this.get(key));
  }

  /**
   * The blob as text, or `undefined` when missing.
   * @throws DeserializationError when the bytes are not valid in the encoding; what `tryGet` throws
   */
  async tryGetText(key: string): Promise<string | undefined> {
    const bytes = await this.tryGet(key);
    return bytes === undefined ? undefined : this.#decode(key, bytes);
  }

  /**
   * The blob as text, streamed in pieces (a character split between chunks arrives whole).
   * @throws MissingKeyError, DeserializationError (while iterating); what `open` throws
   */
  async *iterateText(key: string): AsyncIterable<string> {
    const decoder = new TextDecoder(this.encoding, { fatal: true });
    try {
      for await (const chunk of await this.open(key)) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        if (text !== "") yield text;
      }
      const rest = decoder.decode();
      if (rest !== "") yield rest;
    } catch (error) {
      if (error instanceof TypeError) throw this.#invalid(key, error);
      throw error;
    }
  }

  #decode(key: string, bytes: Uint8Array): string {
    if (this.encoding === "latin1") return Buffer.from(bytes).toString("latin1");
    try {
      return new TextDecoder(this.encoding, { fatal: true }).decode(bytes);
    } catch (error) {
      throw this.#invalid(key, error);
    }
  }

  #invalid(key: string, cause: unknown): DeserializationError {
    return new DeserializationError({
      operation: "get",
      key,
      cause,
      message: `The blob is not valid ${this.encoding}`,
    });
  }
}

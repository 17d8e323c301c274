import { type Clock, systemClock } from "@kv/protocol";
import {
  BaseBlobStore,
  type BaseBlobStoreOptions,
  type BlobWriteOptions,
} from "./base-blob-store.ts";
import type { BlobTtl } from "./blob-store.ts";
import { collectBytes } from "./chunks.ts";

/** Options of `MemoryBlobStore`. */
export interface MemoryBlobStoreOptions extends BaseBlobStoreOptions {
  /** The time source for expiry. @default the system clock */
  clock?: Clock | undefined;
}

interface StoredBlob {
  readonly bytes: Uint8Array;
  /** Epoch milliseconds, or `undefined` for no expiry. */
  readonly expiresAt: number | undefined;
}

/**
 * A blob store in the process's memory, with TTL: for tests and small data. Blobs are copied in
 * and out, so changing bytes given to `put` or returned by `get` never changes what is stored. A
 * streamed `put` is collected whole before it replaces the old blob.
 */
export class MemoryBlobStore extends BaseBlobStore implements BlobTtl {
  /** `put` accepts `ttl`. */
  readonly ttlSupport = true as const;
  readonly #blobs = new Map<string, StoredBlob>();
  readonly #clock: Clock;

  constructor(options: MemoryBlobStoreOptions = {}) {
    super(options);
    this.#clock = options.clock ?? systemClock;
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = this.#live(key)?.bytes;
    return bytes === undefined ? undefined : chunksOf(bytes);
  }

  protected override async readBytes(key: string): Promise<Uint8Array | undefined> {
    return this.#live(key)?.bytes.slice();
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<void> {
    const bytes = await collectBytes(copies(chunks));
    this.#blobs.set(key, { bytes, expiresAt: this.#expiry(options) });
  }

  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    options: BlobWriteOptions,
  ): Promise<void> {
    this.#blobs.set(key, { bytes: bytes.slice(), expiresAt: this.#expiry(options) });
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    const live = this.#live(key) !== undefined;
    this.#blobs.delete(key);
    return live;
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    return this.#live(key) !== undefined;
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    for (const key of Array.from(this.#blobs.keys())) {
      if (key.startsWith(prefix) && this.#live(key) !== undefined) yield key;
    }
  }

  protected override async release(): Promise<void> {
    this.#blobs.clear();
  }

  #live(key: string): StoredBlob | undefined {
    const blob = this.#blobs.get(key);
    if (blob?.expiresAt === undefined || blob.expiresAt > this.#clock.now()) return blob;
    this.#blobs.delete(key);
    return undefined;
  }

  #expiry(options: BlobWriteOptions): number | undefined {
    return options.ttl === undefined ? undefined : this.#clock.now() + options.ttl * 1000;
  }
}

const CHUNK_BYTES = 64 * 1024;

/** The blob in chunks of 64 KiB, each a copy, so a reader never holds the stored bytes. */
async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
    yield bytes.slice(offset, offset + CHUNK_BYTES);
  }
}

async function* copies(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield chunk.slice();
}

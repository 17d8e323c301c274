import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { BlobStore } from "@kv/blob";
import type { BlobClient, Client } from "./types.ts";

/** A client of blob calls only: its key-value calls reject (the blob workloads never make them). */
export function blobClient(blob: BlobClient, close: () => Promise<void>): Client {
  const none = () => Promise.reject(new Error("a blob subject has no key-value calls"));
  return {
    get: none,
    getMany: none,
    put: none,
    putTtl: none,
    putMany: none,
    putManyTtl: none,
    close,
    blob,
  };
}

/** Reads a byte stream to the end: its SHA-256 in hex when `hash`, else its length in bytes. */
export async function readToEnd(stream: AsyncIterable<Uint8Array>, hash = true): Promise<string> {
  const digest = hash ? createHash("sha256") : undefined;
  let length = 0;
  for await (const chunk of stream) {
    digest?.update(chunk);
    length += chunk.byteLength;
  }
  return digest?.digest("hex") ?? String(length);
}

/**
 * A blob store as a benchmark client: `put` from a `Readable`, `open` read to the end; `close`
 * closes the store.
 */
export function blobStoreClient(store: BlobStore): Client {
  return blobClient(
    {
      put: (key, chunks) => store.put(key, Readable.from(chunks)),
      read: async (key, hash) => readToEnd(await store.open(key), hash),
    },
    () => store.close(),
  );
}

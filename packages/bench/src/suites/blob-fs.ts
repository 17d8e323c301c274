import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore } from "@kv/blob";
import { FileSystemBlobStore, HashDirBlobStore } from "@kv/blob-fs";
import { BLOB_WORKLOADS } from "../blob-workloads.ts";
import type { BlobClient, Client, Suite } from "../types.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "node:fs streams (raw, atomic)";
/** A client of blob calls only (the key-value calls are never made by the blob workloads). */
function blobClient(blob: BlobClient, close: () => Promise<void>): Client {
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

/** Reads a byte stream to the end: its SHA-256 when `hash`, else its length. */
async function drain(stream: AsyncIterable<Buffer>, hash = true): Promise<string> {
  const digest = hash ? createHash("sha256") : undefined;
  let length = 0;
  for await (const chunk of stream) {
    digest?.update(chunk);
    length += chunk.byteLength;
  }
  return digest?.digest("hex") ?? String(length);
}

/** The limit: createWriteStream to a temporary file renamed over the blob's file; createReadStream. */
function rawClient(directory: string): Client {
  mkdirSync(join(directory, "bench"), { recursive: true });
  let written = 0;
  return blobClient(
    {
      put: async (key, chunks) => {
        const temporary = join(directory, "bench", `.tmp-${++written}`);
        await pipeline(Readable.from(chunks), createWriteStream(temporary));
        await rename(temporary, join(directory, key));
      },
      read: (key, hash) => drain(createReadStream(join(directory, key)), hash),
    },
    async () => {},
  );
}

/** A blob store's `put` from a `Readable` and `open`. */
function storeClient(store: BlobStore): Client {
  return blobClient(
    {
      put: (key, chunks) => store.put(key, Readable.from(chunks)),
      read: async (key, hash) => drain(await store.open(key), hash),
    },
    () => store.close(),
  );
}

/** File-system blob stores against node:fs streams, each in a temporary directory of its own. */
export function blobFsSuite(): Suite {
  return temporarySuite(
    {
      id: "blob-fs",
      title: "Blobs on disk",
      baseline: RAW,
      workloads: BLOB_WORKLOADS,
      environment: async () => ({ "blob-fs suite directory": tmpdir() }),
    },
    (root) => [
      {
        name: RAW,
        role: "baseline",
        description:
          "pipeline(Readable, createWriteStream(temporary)) + rename; createReadStream read to the end; no fsync",
        packages: [],
        open: async () => rawClient(join(root, "raw")),
      },
      {
        name: "@kv/blob-fs",
        role: "kv",
        description:
          "FileSystemBlobStore({ directory }): put from a Readable, open read to the end",
        packages: ["@kv/blob-fs"],
        open: async () => storeClient(new FileSystemBlobStore({ directory: join(root, "kv") })),
      },
      {
        name: "@kv/blob-fs (HashDirBlobStore)",
        role: "reference",
        description: "HashDirBlobStore({ directory }): the same calls, with a key file per blob",
        packages: ["@kv/blob-fs"],
        open: async () => storeClient(new HashDirBlobStore({ directory: join(root, "hashdir") })),
      },
    ],
  );
}

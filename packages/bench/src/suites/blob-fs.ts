import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FileSystemBlobStore, HashDirBlobStore } from "@kv/blob-fs";
import { blobClient, blobStoreClient, readToEnd } from "../blob-clients.ts";
import { BLOB_WORKLOADS } from "../blob-workloads.ts";
import type { Client, Suite } from "../types.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "node:fs streams (raw, atomic)";

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
      read: (key, hash) => readToEnd(createReadStream(join(directory, key)), hash),
    },
    async () => {},
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
        open: async () => blobStoreClient(new FileSystemBlobStore({ directory: join(root, "kv") })),
      },
      {
        name: "@kv/blob-fs (HashDirBlobStore)",
        role: "reference",
        description: "HashDirBlobStore({ directory }): the same calls, with a key file per blob",
        packages: ["@kv/blob-fs"],
        open: async () =>
          blobStoreClient(new HashDirBlobStore({ directory: join(root, "hashdir") })),
      },
    ],
  );
}

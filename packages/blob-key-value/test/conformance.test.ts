import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBlobStore } from "@kv/blob";
import { FileSystemBlobStore } from "@kv/blob-fs";
import { describeBlobStore, describeConformance, MiB } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { afterAll } from "vitest";
import { BlobKeyValueStore, KeyValueBlobStore } from "../src/index.ts";

const root = mkdtempSync(join(tmpdir(), "kv-blob-key-value-"));
let count = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

await describeConformance("BlobKeyValueStore over MemoryBlobStore", {
  createStore: () => new BlobKeyValueStore(new MemoryBlobStore(), { closeBlobStore: true }),
});

await describeConformance("BlobKeyValueStore over MemoryBlobStore with a prefix", {
  createStore: () =>
    new BlobKeyValueStore(new MemoryBlobStore(), { prefix: "kv~", closeBlobStore: true }),
});

await describeConformance("BlobKeyValueStore over FileSystemBlobStore", {
  createStore: () =>
    new BlobKeyValueStore(new FileSystemBlobStore({ directory: join(root, `fs-${++count}`) }), {
      prefix: "entries/",
      closeBlobStore: true,
    }),
  createPeer: (store) =>
    new BlobKeyValueStore(
      new FileSystemBlobStore({ directory: directoryOf(store as BlobKeyValueStore) }),
      { prefix: "entries/", closeBlobStore: true },
    ),
});

await describeBlobStore(
  "KeyValueBlobStore over MemoryStore (32 MiB maxBytes)",
  () => new KeyValueBlobStore(new MemoryStore(), { maxBytes: 32 * MiB }),
  { boundedMemory: false, largeStreamBytes: 32 * MiB },
);

function directoryOf(store: BlobKeyValueStore): string {
  return (store.blobs as FileSystemBlobStore).directory;
}

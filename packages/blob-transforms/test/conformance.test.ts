import { MemoryBlobStore } from "@kv/blob";
import { FileSystemBlobStore } from "@kv/blob-fs";
import { describeBlobStore, MiB } from "@kv/conformance";
import {
  Base64BlobStore,
  GeneratedKeysBlobStore,
  GzipBlobStore,
  HmacBlobStore,
  KeyValidatingBlobStore,
  PrefixBlobStore,
  TextBlobStore,
  UrlEncodedKeysBlobStore,
} from "../src/index.ts";

const inMemory = { boundedMemory: false, largeStreamBytes: 16 * MiB } as const;
const secret = "a secret of at least sixteen bytes";

await describeBlobStore("GzipBlobStore", () => new GzipBlobStore(new MemoryBlobStore()), inMemory);
await describeBlobStore(
  "Base64BlobStore",
  () => new Base64BlobStore(new MemoryBlobStore()),
  inMemory,
);
await describeBlobStore(
  "HmacBlobStore",
  () => new HmacBlobStore(new MemoryBlobStore(), { secret }),
  inMemory,
);
await describeBlobStore(
  "PrefixBlobStore",
  () => new PrefixBlobStore(new MemoryBlobStore(), "tenant-1~"),
  inMemory,
);
await describeBlobStore(
  "UrlEncodedKeysBlobStore over simplekv's keys",
  () => new UrlEncodedKeysBlobStore(new MemoryBlobStore()),
  { ...inMemory, invalidKeys: ["", "lone\uD800surrogate"] },
);
await describeBlobStore(
  "UrlEncodedKeysBlobStore over FileSystemBlobStore (keeps /)",
  ({ directory }) =>
    new UrlEncodedKeysBlobStore(new FileSystemBlobStore({ directory: `${directory}/blobs` })),
  { invalidKeys: ["", "a//b", "/a", "a/"], largeStreamBytes: 64 * MiB },
);
await describeBlobStore(
  "GzipBlobStore over HmacBlobStore over FileSystemBlobStore",
  ({ directory }) =>
    new GzipBlobStore(
      new HmacBlobStore(new FileSystemBlobStore({ directory: `${directory}/blobs` }), { secret }),
    ),
  { invalidKeys: ["", "a//b", "../x", "caf\u00e9"], largeStreamBytes: 64 * MiB },
);
await describeBlobStore("TextBlobStore", () => new TextBlobStore(new MemoryBlobStore()), inMemory);
await describeBlobStore(
  "KeyValidatingBlobStore",
  () => new KeyValidatingBlobStore(new MemoryBlobStore(), /^[\s\S]+$/),
  inMemory,
);
await describeBlobStore(
  "GeneratedKeysBlobStore",
  () => new GeneratedKeysBlobStore(new MemoryBlobStore()),
  inMemory,
);

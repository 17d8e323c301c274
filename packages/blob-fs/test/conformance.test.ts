import { describeBlobStore, invalidBlobKeys } from "@kv/conformance";
import { FileSystemBlobStore, HashDirBlobStore } from "../src/index.ts";

await describeBlobStore(
  "FileSystemBlobStore",
  ({ directory }) => new FileSystemBlobStore({ directory: `${directory}/blobs` }),
  {
    invalidKeys: [
      ...invalidBlobKeys,
      "/absolute",
      "trailing/",
      "double//slash",
      ".",
      "..",
      "../escape",
      "a/../../escape",
      "a/./b",
      ".kv-tmp-1-abc",
      "x".repeat(256),
    ],
  },
);

await describeBlobStore(
  "HashDirBlobStore",
  ({ directory }) => new HashDirBlobStore({ directory: `${directory}/blobs` }),
);

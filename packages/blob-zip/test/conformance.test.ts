import { join } from "node:path";
import { describeBlobStore, invalidBlobKeys } from "@kv/conformance";
import { ZipBlobStore } from "../src/index.ts";

const invalidKeys = [
  ...invalidBlobKeys,
  "/absolute",
  "trailing/",
  "double//slash",
  "..",
  "a/../b",
  "./a",
];

await describeBlobStore(
  "ZipBlobStore",
  ({ directory }) => new ZipBlobStore({ path: join(directory, "blobs.zip") }),
  { invalidKeys },
);

await describeBlobStore(
  "ZipBlobStore without compression",
  ({ directory }) => new ZipBlobStore({ path: join(directory, "blobs.zip"), compress: false }),
  { invalidKeys },
);

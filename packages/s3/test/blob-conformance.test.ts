import { describeBlobStore } from "@kv/conformance";
import { S3BlobStore } from "../src/index.ts";
import { connection, emptyPrefix, useBucket } from "./helpers.ts";

const bucket = useBucket("blobs");

await describeBlobStore(
  "S3BlobStore",
  ({ namespace }) => new S3BlobStore({ bucket, prefix: `${namespace}/`, ...connection }),
  { cleanUp: (_store, { namespace }) => emptyPrefix(bucket, `${namespace}/`) },
);

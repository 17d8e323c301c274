import { join } from "node:path";
import { describeBlobStore } from "@kv/conformance";
import { SqliteBlobStore } from "../src/index.ts";

await describeBlobStore(
  "SqliteBlobStore",
  ({ directory }) => new SqliteBlobStore({ path: join(directory, "blobs.db") }),
);

await describeBlobStore(
  "SqliteBlobStore with 64 KiB chunks",
  ({ directory }) => new SqliteBlobStore({ path: join(directory, "blobs.db"), chunkBytes: 65536 }),
);

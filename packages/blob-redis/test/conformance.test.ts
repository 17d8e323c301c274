import { describeBlobStore } from "@kv/conformance";
import { RedisBlobStore } from "../src/index.ts";
import { blobRedisUrl, removeNamespace } from "./server.ts";

await describeBlobStore(
  "RedisBlobStore",
  ({ namespace }) => new RedisBlobStore({ url: blobRedisUrl(), namespace }),
  { cleanUp: (_store, { namespace }) => removeNamespace(namespace) },
);

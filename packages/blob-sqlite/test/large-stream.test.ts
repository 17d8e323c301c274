import { stat } from "node:fs/promises";
import { join } from "node:path";
import { testStreamThrough } from "@kv/conformance";
import { GiB } from "@kv/conformance/streams";
import { expect } from "vitest";

testStreamThrough(
  "SqliteBlobStore",
  new URL("./fixtures/stream-through.ts", import.meta.url),
  async (directory) => {
    // Replacing it freed the chunk rows: the file's pages are free for reuse.
    expect((await stat(join(directory, "blobs.db"))).size).toBeGreaterThan(GiB);
  },
);

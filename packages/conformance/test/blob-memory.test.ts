import { MemoryBlobStore } from "@kv/blob";
import { describeBlobStore } from "../src/index.ts";

// The blob suite proven on the reference blob store. MemoryBlobStore holds blobs in memory, so its
// large round trip is smaller and its memory is not bounded.
await describeBlobStore("MemoryBlobStore", () => new MemoryBlobStore(), { boundedMemory: false });

import { testStreamThrough } from "@kv/conformance";

testStreamThrough("FileSystemBlobStore", new URL("./fixtures/stream-through.ts", import.meta.url));

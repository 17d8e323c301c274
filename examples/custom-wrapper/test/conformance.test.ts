import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { CompressionWrapper } from "../src/compression-wrapper.ts";
import { TimeoutWrapper } from "../src/timeout-wrapper.ts";

await describeConformance("TimeoutWrapper", {
  createStore: () => new TimeoutWrapper(new MemoryStore(), { timeoutMs: 5_000 }),
});

await describeConformance("CompressionWrapper", {
  createStore: () => new CompressionWrapper(new MemoryStore()),
});

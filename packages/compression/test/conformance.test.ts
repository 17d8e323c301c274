import { CompressionWrapper } from "@kv/compression";
import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";

await describeConformance(
  "CompressionWrapper around MemoryStore (every value that shrinks compressed)",
  {
    createStore: () => new CompressionWrapper(new MemoryStore(), { minBytes: 0 }),
  },
);

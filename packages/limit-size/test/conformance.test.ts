import { describeConformance } from "@kv/conformance";
import { LimitSizeWrapper } from "@kv/limit-size";
import { MemoryStore } from "@kv/memory";

await describeConformance("LimitSizeWrapper around MemoryStore", {
  createStore: () => new LimitSizeWrapper(new MemoryStore(), { maxBytes: 1024 * 1024 }),
});

import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { RetryWrapper } from "@kv/retry";

await describeConformance("RetryWrapper around MemoryStore", {
  createStore: () => new RetryWrapper(new MemoryStore(), { initialDelayMs: 1 }),
});
